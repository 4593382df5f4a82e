import { randomUUID } from 'node:crypto';
import { EventTypes, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import { EnvelopeSigner, TrustStore, generateKeyPair, type TrustStoreDocument } from '@countersign/identity';
import { toDeadLetterData } from '../dead-letter';

/** Fresh keys for a few identities and a trust store that knows them. */
export function testIdentities(ids: string[]): { signers: Record<string, EnvelopeSigner>; trust: TrustStore } {
  const pairs = ids.map((id) => ({ id, pair: generateKeyPair('ed25519', id) }));
  const document: TrustStoreDocument = {
    version: 1,
    environment: 'test',
    identities: pairs.map(({ id, pair }) => ({
      id,
      signingKeys: [{ keyId: pair.keyId, publicKey: pair.publicKey, status: 'active' }],
      encryptionKeys: [],
    })),
  };
  const signers = Object.fromEntries(pairs.map(({ id, pair }) => [id, new EnvelopeSigner(id, pair)]));
  return { signers, trust: new TrustStore(document) };
}

/**
 * A valid signed event any service may emit (a dead-letter record), with `tag` in its message so a
 * test handler can choose how to behave.
 */
export function testEnvelope(signer: EnvelopeSigner, tag: string, id: string = randomUUID()): Envelope<MessageDeadLetteredV1> {
  const data = toDeadLetterData(
    {
      code: 'test',
      message: tag,
      subject: 'cs.submit.test',
      stream: 'CS_SUBMISSIONS',
      streamSequence: 1,
      deliveries: 1,
      consumer: 'test',
      payload: Buffer.from(tag),
    },
    '2026-11-21T10:00:00.000Z',
  );
  return signer.sign({ id, type: EventTypes.MessageDeadLettered, subject: `test-${tag}`, time: '2026-11-21T10:00:00.000Z', data });
}

export const encodeEnvelope = (envelope: unknown) => Buffer.from(JSON.stringify(envelope), 'utf8');

/** A valid signed submission (an external ingress event) from a requester signer, dated `time`. */
export function testSubmission(signer: EnvelopeSigner, time: string, id: string = randomUUID()): Envelope {
  const requestId = randomUUID();
  const data = {
    requestId,
    action: { kind: 'http.request', target: 'demo-target', environment: 'staging', parameters: {} },
    reason: 'ingress test',
  };
  return signer.sign({ id, type: EventTypes.RequestSubmitted, subject: requestId, time, data });
}
