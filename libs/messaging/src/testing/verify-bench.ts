// CPU per TrustStore.verifyBytes of a consumed message (issue 14), in process: the accepted request
// approval receives (a fresh request id each, its submission's signature remembered after the first)
// and a service's dead-letter record. Run: node scripts/run-ts.js libs/messaging/src/testing/verify-bench.ts
import { randomUUID } from 'node:crypto';
import { EventTypes } from '@countersign/contracts';
import { fixtureAcceptedData } from '@countersign/contracts/testing';
import { encodeEnvelope, testEnvelope, testIdentities } from './envelopes';

const N = Number(process.env.BENCH_VERIFIES ?? 5_000);
const { signers, trust } = testIdentities(['service:intake']);
const intake = signers['service:intake']!;
const accepted = fixtureAcceptedData();
const messages = Array.from({ length: N }, (_, index) => {
  if (index % 3 === 2) return encodeEnvelope(testEnvelope(intake, `bench-${index}`));
  const requestId = randomUUID();
  const data = { ...accepted, requestId };
  return encodeEnvelope(
    intake.sign({ id: randomUUID(), type: EventTypes.RequestAccepted, subject: requestId, time: new Date().toISOString(), data }),
  );
});
const freshness = { now: new Date(), maxSkewMs: 300_000 };

function round(): number {
  const cpu = process.cpuUsage();
  for (const bytes of messages) if (!trust.verifyBytes(bytes, freshness).ok) throw new Error('a bench message failed to verify');
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / N;
}

round(); // JIT
for (let index = 1; index <= 3; index += 1) console.log(`round ${index}: verifyBytes ${round().toFixed(1)} µs per message`);
