import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { EventTypes, SERVICE_NAMES, Subjects } from '@countersign/contracts';
import { startStack, type Stack } from '@countersign/stack';
import { AuditReader, RequesterClient, outcomeOf as heard } from '@countersign/e2e';
import { codeCounts, recordAttack } from './report';
import { AuditEvidence, attackEffects, inject, type Injected } from './support/evidence';
import { HostileFactory, type HostileBody } from './support/hostile';
import { HTTP_REFUSALS, sendHostile, shapeProblem, type HttpAttempt } from './support/hostile-http';
import { Connections, signerOf, stackLog } from './support/parties';
import { claimedId, runningServices, ServiceStore } from './support/service-evidence';

jest.setTimeout(900_000);

const SUITE = 'hostile-input';
/**
 * Defaults (docs/security.md): 3,000 over NATS and 7,000 over HTTP, 10,000 in all. A NATS refusal
 * costs two services a signed, fsynced dead letter and audit two chain records; an HTTP refusal is
 * answered in memory, so the split keeps the run within minutes on a loaded two-core machine.
 */
const NATS_COUNT = Number(process.env.SECURITY_HOSTILE_NATS ?? 3_000);
const HTTP_COUNT = Number(process.env.SECURITY_HOSTILE_HTTP ?? 7_000);
const SEED = Number(process.env.SECURITY_SEED ?? Date.now() % 2_147_483_647);
/** One NATS message in this many goes to an approver's vote subject instead of a submission subject. */
const VOTE_EVERY = 10;
/** What a service logs when a consumer loop dies, or what recursion on hostile input looked like. */
const CONSUMER_FAILURE = /consumer \S+ stopped|RangeError|Maximum call stack/;

interface NatsAttempt {
  body: HostileBody;
  injected: Injected;
  /** The service whose store must show the outcome: the submission's or the vote's first consumer. */
  owner: 'intake' | 'approval';
  id?: string;
}

/** A bounded pool: `limit` sends in flight, in order of the inputs. */
async function pooled<T, R>(inputs: readonly T[], limit: number, send: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < inputs.length; index = next++) results[index] = await send(inputs[index]!, index);
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe(`hostile input (fast-check): ${NATS_COUNT} over NATS, ${HTTP_COUNT} over HTTP`, () => {
  let stack: Stack;
  let deployBot: RequesterClient;
  let audit: AuditReader;
  let evidence: AuditEvidence;
  let connections: Connections;
  let stores: Record<NatsAttempt['owner'], ServiceStore>;
  const failures: string[] = [];
  let nats: NatsAttempt[] = [];
  let http: HttpAttempt[] = [];
  let settledMs = 0;
  let finalOutcome: string[] = [];
  let validRequestId: string | undefined;
  const phases: Record<string, number> = {};
  let started = 0;
  const phase = (name: string) => void (phases[name] = Date.now() - started);

  beforeAll(async () => {
    const log = (name: string, line: string) => {
      if (CONSUMER_FAILURE.test(line)) failures.push(`${name}| ${line}`);
      stackLog?.(name, line);
    };
    stack = await startStack({ env: { COUNTERSIGN_TIMER_MS: '200' }, log });
    started = Date.now();
    deployBot = await RequesterClient.connect(stack, 'deploy-bot');
    audit = await AuditReader.connect(stack);
    evidence = new AuditEvidence(audit);
    connections = new Connections(stack);
    stores = { intake: new ServiceStore(stack.home, 'intake'), approval: new ServiceStore(stack.home, 'approval') };
    const factory = new HostileFactory(signerOf(stack, 'requester:deploy-bot'));

    // Generated just before sending: the signed ones must still be fresh when they arrive.
    const natsBodies = fc.sample(factory.arbitrary(), { seed: SEED, numRuns: NATS_COUNT });
    const [submitter, voter] = await Promise.all([connections.as('requester-deploy-bot'), connections.as('approver-alice')]);
    nats = await pooled(natsBodies, 16, async (body, index) => {
      const vote = index % VOTE_EVERY === VOTE_EVERY - 1;
      const subject = vote ? Subjects.vote('alice') : Subjects.submit('deploy-bot');
      const injected = await inject(vote ? voter : submitter, subject, body.bytes, body.kind);
      return { body, injected, owner: vote ? 'approval' : 'intake', id: claimedId(body.bytes) } satisfies NatsAttempt;
    });
    phase('nats_published_ms');

    const httpBodies = fc.sample(fc.tuple(factory.arbitrary(), fc.nat(99)), { seed: SEED + 1, numRuns: HTTP_COUNT });
    http = await pooled(httpBodies, 8, ([body, shape]) => sendHostile(stack.intakeUrl, body, shape));
    phase('http_answered_ms');

    const settleStart = Date.now();
    await evidence.waitFor(() => unsettled().length === 0, 420_000, 60_000);
    settledMs = Date.now() - settleStart;
    phase('nats_settled_ms');

    // After the storm, a valid request still goes all the way to an execution.
    const { requestId } = await deployBot.submit(
      {
        kind: 'http.request',
        target: 'demo-staging',
        environment: 'staging',
        parameters: { method: 'POST', path: '/deploy', body: { version: randomUUID() } },
      },
      'after the storm',
    );
    validRequestId = requestId;
    finalOutcome = await executedOrWhy(requestId);
    phase('valid_executed_ms');
    await evidence.waitFor(() => unaudited().length === 0, 240_000, 30_000);
    phase('audited_ms');
    await record();
  });

  afterAll(async () => {
    stores?.intake.close();
    stores?.approval.close();
    await connections?.closeAll();
    await deployBot?.close();
    await audit?.close();
    await stack?.shutdown();
  });

  /** The defined outcomes of one NATS message: dead letters in its owner's store, or intake's decision. */
  function outcomeOf(attempt: NatsAttempt): string[] {
    const store = stores[attempt.owner];
    const letters = store.deadLetters.get(`${attempt.injected.stream}#${attempt.injected.seq}`) ?? [];
    const decided = attempt.owner === 'intake' && attempt.id ? (store.decisions.get(attempt.id) ?? []) : [];
    const rejected = decided.includes(EventTypes.RequestRejected) && decided.includes('notified:rejected') ? ['rejected+notified'] : [];
    return [...letters, ...rejected];
  }

  /** Every attempt without a defined outcome yet, after reading what the stores added since last time. */
  function unsettled(): NatsAttempt[] {
    stores.intake.refresh();
    stores.approval.refresh();
    return nats.filter((attempt) => outcomeOf(attempt).length === 0);
  }

  /** Every attempt whose refusal is not on the audit stream yet (a dead letter, or intake's rejection). */
  function unaudited(): NatsAttempt[] {
    const rejections = evidence.events({ type: EventTypes.RequestRejected }) as Array<{ data: { submissionId?: string } }>;
    const rejected = new Set(rejections.map((event) => event.data.submissionId));
    return nats.filter((attempt) => evidence.deadLettersFor(attempt.injected).length === 0 && !rejected.has(attempt.id));
  }

  async function executedOrWhy(requestId: string): Promise<string[]> {
    try {
      return await heard(deployBot, requestId, 'executed', 240_000);
    } catch (error) {
      return [`not executed: ${(error as Error).message}`];
    }
  }

  async function record(): Promise<void> {
    // Anything at the target but the one valid request was caused by the storm.
    const executions = await attackEffects(stack, new Set(validRequestId ? [validRequestId] : []));
    const natsCodes = nats.flatMap((attempt) => outcomeOf(attempt).slice(0, 1));
    const auditedCount = nats.length - unaudited().length;
    const summary = {
      seed: SEED,
      nats: nats.length,
      nats_defined: nats.length - unsettled().length,
      http: http.length,
      http_documented: http.filter((attempt) => shapeProblem(attempt) === undefined).length,
      http_5xx: http.filter((attempt) => attempt.status >= 500).length,
      consumer_failures: failures.length,
      settle_ms: settledMs,
      ...phases,
    };
    console.log(`hostile-input: ${JSON.stringify(summary)}`);
    console.log(`hostile-input: NATS outcomes ${codeCounts(natsCodes)}`);
    console.log(`hostile-input: HTTP answers ${codeCounts(http.map((attempt) => `${attempt.status} ${attempt.error ?? '?'}`))}`);
    recordAttack({
      suite: SUITE,
      attack: 'generated hostile submissions over NATS (random JSON, 2,000+ levels, huge strings, __proto__, bad UTF-8, tampered, stale)',
      layer: 'signature',
      tried: nats.length,
      rejected: summary.nats_defined,
      auditable: nats.length,
      audited: auditedCount,
      executions,
      notes: [`seed ${SEED}`, codeCounts(natsCodes)],
    });
    recordAttack({
      suite: SUITE,
      attack: 'generated hostile HTTP requests to intake (same bodies, wrong content types, unknown routes and methods)',
      layer: 'signature',
      tried: http.length,
      rejected: summary.http_documented,
      auditable: 0,
      audited: 0,
      executions,
      notes: [`seed ${SEED + 1}`, codeCounts(http.map((attempt) => String(attempt.status)))],
    });
  }

  it('generates at least 10,000 submissions of every hostile kind by default', () => {
    if (process.env.SECURITY_HOSTILE_NATS === undefined && process.env.SECURITY_HOSTILE_HTTP === undefined) {
      expect(nats.length + http.length).toBeGreaterThanOrEqual(10_000);
    }
    expect(new Set(nats.map((attempt) => attempt.body.kind)).size).toBeGreaterThanOrEqual(Math.min(nats.length, 13));
    expect(Math.max(...nats.map((attempt) => attempt.body.bytes.length))).toBeGreaterThan(200_000);
  });

  it('settles every NATS message with a defined outcome: a recorded dead letter, or rejected and the requester told', () => {
    expect(unsettled().map((attempt) => `${attempt.body.kind} ${attempt.injected.stream}#${attempt.injected.seq}`)).toEqual([]);
  });

  it('reports every NATS refusal on the audit stream', () => {
    expect(unaudited().map((attempt) => `${attempt.body.kind} ${attempt.injected.stream}#${attempt.injected.seq}`)).toEqual([]);
  });

  it('answers every HTTP request in the documented shape with a 4xx, never a 5xx', () => {
    expect(
      http.filter((attempt) => shapeProblem(attempt) !== undefined).map((attempt) => `${attempt.label}: ${shapeProblem(attempt)}`),
    ).toEqual([]);
    // Every kind of refusal is exercised once there are enough requests to reach them all.
    if (http.length >= 1_000) expect(new Set(http.map((attempt) => attempt.status))).toEqual(new Set(HTTP_REFUSALS));
  });

  it('stops no consumer and keeps every service running', () => {
    expect(failures.slice(0, 10)).toEqual([]);
    expect([...runningServices(stack.home)].sort()).toEqual(expect.arrayContaining([...SERVICE_NAMES].sort()));
  });

  it('still executes a valid request submitted after the storm', () => {
    expect(finalOutcome).toContain('executed');
  });
});
