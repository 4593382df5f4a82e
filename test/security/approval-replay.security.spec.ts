import {
  EventTypes,
  subjectFor,
  type CredentialIssuedV1,
  type CredentialRefusedV1,
  type Envelope,
  type VoteRejectedV1,
} from '@countersign/contracts';
import { stopChild } from '@countersign/stack';
import { effectsAt, approvalRequested, outcomeOf, startScenario, type Scenario, demoTargetIn } from '@countersign/e2e';
import { recordAttack, type Layer } from './report';
import { ACCEPTANCE_TYPES, attackEffects, AuditEvidence, inject, type Injected } from './support/evidence';
import { bytesOf, latest, tamper } from './support/forgery';
import { Connections, ownerOfSubject } from './support/parties';
import { presentToken, startSecondExecutor, stolenToken } from './support/target';

jest.setTimeout(180_000);

const SUITE = 'approval-replay';
const action = (environment: string, version: string) => ({
  kind: 'http.request',
  target: demoTargetIn(environment),
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version } },
});

interface Replay {
  row: string;
  layer: Layer;
  envelope: Envelope;
  injected: Injected;
}

describe('approval replay: old, moved, after denial or expiry, double-spent', () => {
  let s: Scenario;
  let connections: Connections;
  let evidence: AuditEvidence;
  const replays: Replay[] = [];
  const legitimate = new Set<string>();

  beforeAll(async () => {
    s = await startScenario();
    connections = new Connections(s.stack);
    evidence = new AuditEvidence(s.audit);
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
  });

  /** Publishes an envelope again through the connection allowed on its subject (or on `subject`). */
  async function replay(row: string, layer: Layer, envelope: Envelope, subject = subjectFor(envelope)): Promise<Replay> {
    const injected = await inject(await connections.as(ownerOfSubject(subject)), subject, bytesOf(envelope), row);
    const entry = { row, layer, envelope, injected };
    replays.push(entry);
    return entry;
  }

  /** Refused on the record: dead-lettered by every consumer, or answered with a refusal naming it. */
  const audited = (entry: Replay) =>
    evidence.refusedByAll(entry.injected) ||
    evidence.events({ type: EventTypes.VoteRejected }).some((event) => (event.data as VoteRejectedV1).voteId === entry.envelope.id) ||
    evidence
      .events({ type: EventTypes.CredentialRefused })
      .some((e) => (e.data as CredentialRefusedV1).approvalEventId === entry.envelope.id);

  const acceptedSince = (mark: number, requestId: string) =>
    evidence
      .since(mark)
      .filter((event) => ACCEPTANCE_TYPES.includes(event.type) && (event.data as { requestId?: string }).requestId === requestId);

  async function settleAndRecord(row: string, layer: Layer, entries: Replay[], rejected: () => boolean | Promise<boolean>): Promise<void> {
    await evidence.waitFor(() => entries.every(audited), 30_000, 4_000);
    await evidence.settle();
    recordAttack({
      suite: SUITE,
      attack: row,
      layer,
      tried: entries.length,
      rejected: (await rejected()) ? entries.length : 0,
      auditable: entries.length,
      audited: entries.filter(audited).length,
      executions: await attackEffects(s.stack, legitimate),
    });
  }

  async function executedRequest(version: string): Promise<string> {
    const { requestId } = await s.deployBot.submit(action('staging', version), 'genuine, executed');
    legitimate.add(requestId);
    await outcomeOf(s.deployBot, requestId, 'executed');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.CredentialRevoked, requestId }).length > 0);
    return requestId;
  }

  async function pendingRequest(environment: string, version: string): Promise<{ requestId: string; digest: string }> {
    const { requestId } = await s.deployBot.submit(action(environment, version), 'waiting for people');
    return { requestId, digest: (await approvalRequested(s.audit, requestId)).digest };
  }

  const voteOf = (voter: string, requestId: string) => {
    const found = evidence.events({ type: EventTypes.VoteCast, requestId }).find((vote) => vote.signer === `approver:${voter}`);
    if (!found) throw new Error(`no vote by ${voter} on ${requestId}`);
    return found;
  };

  it('re-publishing an old approval mints nothing and runs nothing again', async () => {
    const executed = await executedRequest('1');
    const mark = evidence.mark();
    const approval = latest(evidence, EventTypes.RequestApproved, executed);
    const entries = [];
    for (let i = 0; i < 3; i += 1) entries.push(await replay('replay: an old RequestApproved re-published', 'signature', approval));
    await settleAndRecord(
      'replay: an old RequestApproved re-published',
      'signature',
      entries,
      async () => acceptedSince(mark, executed).length === 0 && (await effectsAt(s.stack, executed)).length === 1,
    );
    expect(acceptedSince(mark, executed).map((event) => event.type)).toEqual([]);
    expect(await effectsAt(s.stack, executed)).toHaveLength(1);
  });

  it('re-publishing an approver’s old vote does not count it twice', async () => {
    const { requestId, digest } = await pendingRequest('production', '2');
    await s.approvers.alice.vote(requestId, digest, 'approve', 'genuine, once');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteRecorded, requestId }).length === 1);
    const mark = evidence.mark();
    const entries = [];
    for (let i = 0; i < 5; i += 1)
      entries.push(await replay('replay: an old VoteCast re-published', 'signature', voteOf('alice', requestId)));
    await settleAndRecord('replay: an old VoteCast re-published', 'signature', entries, () => acceptedSince(mark, requestId).length === 0);
    expect(acceptedSince(mark, requestId).map((event) => event.type)).toEqual([]);
  });

  it('an approval or a vote moved to another request fails its signature; a vote naming another digest is rejected', async () => {
    const source = await pendingRequest('production', '3');
    await s.approvers.alice.vote(source.requestId, source.digest, 'approve', 'for the source request');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteCast, requestId: source.requestId }).length === 1);
    // The approval of the first test's request: genuine, signed by approval, for another request.
    const approval = evidence.events({ type: EventTypes.RequestApproved }).at(-1)!;
    const target = await pendingRequest('production', '4');
    const mark = evidence.mark();
    const move = (envelope: Envelope) =>
      tamper(envelope, { subject: target.requestId, data: { ...(envelope.data as object), requestId: target.requestId } });
    const moved = [
      await replay('replay: an approval or vote moved to another request', 'signature', move(voteOf('alice', source.requestId))),
      await replay('replay: an approval or vote moved to another request', 'signature', move(approval)),
    ];
    await settleAndRecord(
      'replay: an approval or vote moved to another request',
      'signature',
      moved,
      () => acceptedSince(mark, target.requestId).length === 0,
    );
    const codes = moved.flatMap((entry) => evidence.deadLettersFor(entry.injected).map((letter) => letter.code));
    expect(new Set(codes)).toEqual(new Set(['bad_signature']));

    const voteId = await s.approvers.bob.vote(target.requestId, source.digest, 'approve', 'approving what I saw elsewhere');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteRejected, requestId: target.requestId }).length > 0);
    const rejection = evidence.events({ type: EventTypes.VoteRejected, requestId: target.requestId }).at(0)?.data as
      VoteRejectedV1 | undefined;
    recordAttack({
      suite: SUITE,
      attack: 'domain: a vote naming another request’s digest',
      layer: 'domain',
      tried: 1,
      rejected: acceptedSince(mark, target.requestId).length === 0 ? 1 : 0,
      auditable: 1,
      audited: rejection?.voteId === voteId ? 1 : 0,
      executions: 0,
    });
    expect(rejection).toMatchObject({ voteId, code: 'digest_mismatch' });
    expect(acceptedSince(mark, target.requestId).map((event) => event.type)).toEqual([]);
  });

  it.each([
    ['denial', 'production', 'denied'],
    ['expiry', 'qa', 'expired'],
  ])('after %s, a replayed approve vote and a late fresh vote change nothing', async (what, environment, outcome) => {
    const { requestId, digest } = await pendingRequest(environment, `5-${what}`);
    await s.approvers.bob.vote(requestId, digest, 'approve', 'genuine, before the end');
    if (outcome === 'denied') await s.approvers.alice.vote(requestId, digest, 'deny', 'no');
    await outcomeOf(s.deployBot, requestId, outcome);
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteCast, requestId }).some((vote) => vote.signer === 'approver:bob'));
    // Approval appends bob's VoteRecorded before the resolution on the same stream: once audit holds
    // the resolution, every legitimate acceptance is recorded and none can land after the mark.
    const resolution = outcome === 'denied' ? EventTypes.RequestDenied : EventTypes.RequestExpired;
    await evidence.waitFor(() => evidence.events({ type: resolution, requestId }).length > 0);
    const mark = evidence.mark();
    const row = `replay: a vote re-published after ${what}`;
    const entries = [await replay(row, 'signature', voteOf('bob', requestId)), await replay(row, 'signature', voteOf('bob', requestId))];
    const lateId = await s.approvers.dave.vote(requestId, digest, 'approve', 'too late');
    await settleAndRecord(row, 'signature', entries, () => acceptedSince(mark, requestId).length === 0);
    const late = evidence
      .events({ type: EventTypes.VoteRejected, requestId })
      .find((event) => (event.data as VoteRejectedV1).voteId === lateId);
    recordAttack({
      suite: SUITE,
      attack: `domain: a fresh vote after ${what}`,
      layer: 'domain',
      tried: 1,
      rejected: acceptedSince(mark, requestId).length === 0 ? 1 : 0,
      auditable: 1,
      audited: late ? 1 : 0,
      executions: 0,
    });
    expect((late?.data as VoteRejectedV1 | undefined)?.code).toBe('already_resolved');
    expect(acceptedSince(mark, requestId).map((event) => event.type)).toEqual([]);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
  });

  it('a credential delivered three times to two concurrent executors runs exactly once', async () => {
    await s.stack.stop('executor');
    const { requestId } = await s.deployBot.submit(action('staging', '6'), 'double-spend target');
    legitimate.add(requestId);
    await evidence.waitFor(() => evidence.events({ type: EventTypes.CredentialIssued, requestId }).length > 0);
    const issued = latest<CredentialIssuedV1>(evidence, EventTypes.CredentialIssued, requestId);
    const row = 'replay: one credential double-spent by two concurrent executors';
    const entries = await Promise.all([replay(row, 'signature', issued), replay(row, 'signature', issued)]);
    const [, second] = await Promise.all([s.stack.start('executor'), startSecondExecutor(s.stack)]);
    try {
      await evidence.waitFor(() => evidence.events({ type: EventTypes.ExecutionSucceeded, requestId }).length > 0);
      await settleAndRecord(row, 'signature', entries, async () => (await effectsAt(s.stack, requestId)).length === 1);
    } finally {
      await stopChild(second);
    }
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    expect(evidence.events({ type: EventTypes.ExecutionStarted, requestId })).toHaveLength(1);

    const token = stolenToken(s.stack, issued);
    const again = await presentToken(s.stack, token, { requestId, digest: issued.data.digest });
    recordAttack({
      suite: SUITE,
      attack: 'target: the spent token presented again',
      layer: 'target',
      tried: 1,
      rejected: again.status >= 400 ? 1 : 0,
      auditable: 0,
      audited: 0,
      executions: (await effectsAt(s.stack, requestId)).length - 1,
    });
    expect(again).toMatchObject({ status: 409, error: 'token_reused' });
  });

  it('a revoked token that was never used is refused by the target, even after the target was down', async () => {
    await s.stack.stop('demo-target');
    const { requestId } = await s.deployBot.submit(action('staging', '7'), 'the target is down: the call never lands');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.CredentialRevoked, requestId }).length > 0);
    await s.stack.start('demo-target');
    const issued = latest<CredentialIssuedV1>(evidence, EventTypes.CredentialIssued, requestId);
    const answer = await presentToken(s.stack, stolenToken(s.stack, issued), { requestId, digest: issued.data.digest });
    const effects = await effectsAt(s.stack, requestId);
    recordAttack({
      suite: SUITE,
      attack: 'target: a revoked, unused token presented',
      layer: 'target',
      tried: 1,
      rejected: answer.status >= 400 ? 1 : 0,
      auditable: 0,
      audited: 0,
      executions: effects.length,
    });
    expect(evidence.events({ type: EventTypes.CredentialRevoked, requestId })).toHaveLength(1);
    expect(answer).toMatchObject({ status: 401, error: 'token_revoked' });
    expect(effects).toHaveLength(0);
  });

  it('puts every replay that reached a consumer on the audit stream (a dead letter or a refusal naming it)', () => {
    const silent = replays.filter((entry) => !audited(entry));
    expect(
      silent.map((entry) => `${entry.row}: ${entry.envelope.type} ${entry.envelope.id} at ${entry.injected.stream}#${entry.injected.seq}`),
    ).toEqual([]);
  });
});
