import { EventTypes, type Envelope, type VoteRejectedV1, type VoteRelayedV1 } from '@countersign/contracts';
import { effectsAt, approvalRequested, startScenario, type Scenario } from '@countersign/e2e';
import { codeCounts, recordAttack, tallyOf, type AttackTally } from './report';
import { attackEffects, AuditEvidence } from './support/evidence';
import { Connections } from './support/parties';
import { CORPUS_ROWS, documentedRefusal, forgeAll, recordedRefusals, VARIANT_COUNT, type Forged } from './support/slack-corpus';
import {
  actionTsOf,
  edgeDecisions,
  edgeStream,
  mapped,
  payment,
  pressApprove,
  relayOnBus,
  SLACK_IDS,
  SlackSide,
  TEAM,
  UNMAPPED,
  type Answer,
  type Approver,
} from './support/slack-edge';

jest.setTimeout(240_000);

const SUITE = 'slack-requests';
const AT_THE_EDGE = 'refused by the edge before anything is published: no bus consumer sees it, so CS_AUDIT cannot (auditable 0)';
/** Who clicks in each pass of the signature corpus: finance approvers, both buttons. */
const ROUNDS: Array<[Approver, 'approve' | 'deny']> = [
  ['alice', 'approve'],
  ['bob', 'approve'],
  ['carol', 'deny'],
  ['alice', 'deny'],
  ['bob', 'deny'],
  ['carol', 'approve'],
];
const FINANCE = ['alice', 'bob', 'carol'] as const;

type Attempt = Forged & { answer: Answer };
type Tally = Pick<AttackTally, 'attack' | 'layer'> & { notes?: string[] };

/**
 * Slack's interactivity endpoint attacked over HTTP on the real stack, the Slack edge in HTTP mode
 * (reliability goal S5), and Slack approvals of a step-up tier (S10). Refusals at the edge never
 * reach the bus, so their evidence is the edge's own store (read-only); votes put on the bus with
 * the edge's key reach approval and audit, so their refusals are looked for on CS_AUDIT.
 */
describe('Slack requests: signatures, replays, unmapped users and step-up against the running edge', () => {
  let slack: SlackSide;
  let s: Scenario;
  let evidence: AuditEvidence;
  let connections: Connections;
  let requests: Record<'corpus' | 'replay' | 'unmapped' | 'stepUp', { requestId: string; digest: string; renderingDigest: string }>;
  const corpus: Attempt[] = [];

  beforeAll(async () => {
    slack = await SlackSide.start();
    s = await startScenario({ slack: slack.stackOption() });
    slack.attach(s.stack);
    evidence = new AuditEvidence(s.audit);
    connections = new Connections(s.stack);
    const open = async (value: string, invoice: string) => {
      const { requestId } = await s.paymentsAgent.submit(payment(value, invoice), 'security: Slack requests');
      const { digest, renderingDigest } = await approvalRequested(s.audit, requestId);
      await slack.card(requestId);
      return { requestId, digest, renderingDigest };
    };
    const [corpusRequest, replay, unmapped, stepUp] = await Promise.all([
      open('12500.00', 'INV-S5-1'),
      open('14000.00', 'INV-S5-2'),
      open('16000.00', 'INV-S5-3'),
      open('250000.00', 'INV-S10-1'),
    ]);
    requests = { corpus: corpusRequest, replay, unmapped, stepUp };
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
    await slack?.stop();
  });

  const events = <T>(type: string, requestId: string) => evidence.events({ type, requestId }) as Array<Envelope<T>>;
  const edge = (requestId: string) => edgeDecisions(s.stack, requestId);
  const rejectedOnAudit = (envelope: Envelope<VoteRelayedV1>, code: string) =>
    events<VoteRejectedV1>(EventTypes.VoteRejected, envelope.data.requestId).some(
      (event) => event.data.voteId === envelope.id && event.data.code === code,
    );
  /** Edge refusals: judged by the answer and the edge's store; none can be on CS_AUDIT. */
  const atEdge = <T>(row: Tally, attempts: readonly T[], rejected: (attempt: T) => boolean, executions = 0) =>
    recordAttack({
      ...tallyOf({ suite: SUITE, ...row, notes: [...(row.notes ?? []), AT_THE_EDGE] }, attempts, {
        rejected,
        auditable: () => false,
        audited: () => false,
      }),
      executions,
    });
  /** Votes published on the bus with the edge's key: each must be rejected with `code` on CS_AUDIT. */
  const onBus = (attack: string, envelopes: Array<Envelope<VoteRelayedV1>>, code: string, clean: boolean) =>
    recordAttack(
      tallyOf({ suite: SUITE, attack, layer: 'domain', notes: [`vote.rejected ${code} expected`] }, envelopes, {
        rejected: () => clean,
        auditable: () => true,
        audited: (envelope) => rejectedOnAudit(envelope, code),
      }),
    );

  it(`refuses ${VARIANT_COUNT * ROUNDS.length} forged or altered requests (401, or 400/413/415 where only the body is wrong), relaying nothing`, async () => {
    const { requestId } = requests.corpus;
    for (const [who, decision] of ROUNDS) {
      const other = decision === 'approve' ? 'deny' : 'approve';
      const clicks = await Promise.all(
        Array.from({ length: VARIANT_COUNT }, async () => ({
          payload: await slack.click(requestId, mapped(who), decision),
          other: await slack.click(requestId, mapped(who), other),
        })),
      );
      const forged = forgeAll(clicks, slack.signingSecret);
      const answers = await Promise.all(forged.map((attempt) => slack.post(attempt.request)));
      corpus.push(...forged.map((attempt, index) => ({ ...attempt, answer: answers[index]! })));
    }
    // Control: a click made the same way and signed as Slack signs is relayed, so each attempt failed
    // on exactly what it changed. The edge's relay publishes in store order: once the control's vote
    // is on the audit stream, any vote the edge had stored before it would be there too.
    const control = await slack.post(slack.sign(await slack.click(requestId, mapped('carol'), 'approve')));
    expect(control).toMatchObject({ status: 200, body: { status: 'relayed' } });
    await evidence.waitFor(() => events(EventTypes.VoteRelayed, requestId).some((vote) => vote.id === control.body.voteId));
    await evidence.settle();

    const relayedTs = new Set([
      ...events<VoteRelayedV1>(EventTypes.VoteRelayed, requestId).map((vote) => vote.data.slack.actionTs),
      ...edge(requestId).relayed.map((record) => record.data.slack.actionTs),
    ]);
    const refused = (a: Attempt) =>
      a.statuses.includes(a.answer.status) && (a.code === undefined || a.answer.body.error === a.code) && !relayedTs.has(a.actionTs);
    const recorded = recordedRefusals(edgeStream(s.stack, 'slack-refusals'), corpus);
    const executions = (await effectsAt(s.stack, requestId)).length;
    for (const [index, [row, attack]] of Object.entries(CORPUS_ROWS).entries()) {
      const list = corpus.filter((attempt) => attempt.row === row);
      const notes = [
        codeCounts(list.map((a) => `${a.answer.status} ${String(a.answer.body.error ?? a.answer.body.status)}`)),
        `${list.filter((a) => recorded.has(a)).length}/${list.length} recorded in the edge's slack-refusals stream`,
      ];
      atEdge({ attack, layer: 'signature', notes }, list, refused, index === 0 ? executions : 0);
    }

    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(corpus.filter((a) => !refused(a)).map((a) => `${a.variant}: ${a.answer.status} ${JSON.stringify(a.answer.body)}`)).toEqual([]);
    expect(events(EventTypes.VoteRelayed, requestId).map((vote) => vote.id)).toEqual([control.body.voteId]);
    expect(edge(requestId).relayed.map((record) => record.id)).toEqual([control.body.voteId]);
    expect(executions).toBe(0);
  });

  it('records every refused request in its slack-refusals stream, answered as documented: {error, message, errors[]}', () => {
    const recorded = recordedRefusals(edgeStream(s.stack, 'slack-refusals'), corpus);
    const gaps = corpus.filter((attempt) => !recorded.has(attempt) || !documentedRefusal(attempt.answer.body));
    expect(gaps.map((a) => `${a.variant}: ${a.answer.status} ${JSON.stringify(a.answer.body)}`)).toEqual([]);
  });

  it('relays one genuine click replayed 50 times, concurrently, exactly once', async () => {
    const { requestId } = requests.replay;
    const click = await slack.click(requestId, mapped('alice'), 'approve');
    const request = slack.sign(click);
    const answers: Answer[] = [];
    for (let batch = 0; batch < 5; batch += 1) answers.push(...(await Promise.all(Array.from({ length: 10 }, () => slack.post(request)))));
    const relayed = answers.filter((answer) => answer.body.status === 'relayed');
    await evidence.waitFor(() => events(EventTypes.VoteRecorded, requestId).length > 0);
    await evidence.settle();
    const onAudit = events<VoteRelayedV1>(EventTypes.VoteRelayed, requestId).filter(
      (vote) => vote.data.slack.actionTs === actionTsOf(click),
    );
    const recorded = events(EventTypes.VoteRecorded, requestId);
    const once = relayed.length === 1 && onAudit.length === 1 && recorded.length === 1 && edge(requestId).relayed.length === 1;
    const copies = answers.filter((answer) => answer !== relayed[0]);
    const notes = [
      codeCounts(copies.map((answer) => String(answer.body.code ?? answer.body.status))),
      `1 vote relayed and recorded: ${once}; the card stream keeps ${edge(requestId).refused('replayed').length} 'replayed' refusal (its id derives from the click)`,
    ];
    const attack = 'slack http: one genuine click replayed 49 times, concurrently';
    const replayed = (answer: Answer) => once && answer.status === 200 && answer.body.code === 'replayed';
    atEdge({ attack, layer: 'domain', notes }, copies, replayed, (await effectsAt(s.stack, requestId)).length);

    expect(relayed.map((answer) => answer.body.voteId)).toEqual([onAudit[0]?.id]);
    expect(copies.filter((answer) => !replayed(answer))).toEqual([]);
    expect(recorded.map((vote) => (vote.data as { voteId: string }).voteId)).toEqual([onAudit[0]?.id]);
    expect(edge(requestId).relayed).toHaveLength(1);
  });

  it('refuses clicks by unmapped Slack users at the edge, and votes relayed for them on the bus in approval', async () => {
    const { requestId, digest, renderingDigest } = requests.unmapped;
    const clicks = await Promise.all(
      UNMAPPED.flatMap((user) => [slack.click(requestId, user, 'approve'), slack.click(requestId, user, 'deny')]),
    );
    const answers = await Promise.all(clicks.map((click) => slack.post(slack.sign(click))));
    const refusals = edge(requestId).refused('unmapped_user');
    const refusedAtEdge = clicks.map(
      (click, i) =>
        answers[i]!.status === 200 &&
        answers[i]!.body.code === 'unmapped_user' &&
        refusals.some((refusal) => (refusal.data.click as { actionTs: string }).actionTs === actionTsOf(click)),
    );
    // Approval maps the Slack user again itself: the edge's word (or that of a thief of its key) is not taken.
    const vote = (slack: Omit<VoteRelayedV1['slack'], 'actionTs'>) =>
      relayOnBus(s.stack, connections, { requestId, digest, renderingDigest, decision: 'approve', approver: 'approver:alice', slack });
    const relayed = await Promise.all([
      vote({ teamId: TEAM, userId: 'U0MALLORY1' }),
      vote({ teamId: 'T0EVILCORP', userId: SLACK_IDS.alice }),
      vote({ teamId: TEAM, userId: SLACK_IDS.bob }),
    ]);
    await evidence.waitFor(() => relayed.every((envelope) => rejectedOnAudit(envelope, 'unmapped_voter')));
    await evidence.settle();
    const clean = events(EventTypes.VoteRecorded, requestId).length === 0 && edge(requestId).relayed.length === 0;
    const attack = 'slack http: clicks by unmapped Slack users (stranger, approver ids of other teams, bot, lookalikes)';
    const notes = [`${refusals.length}/${clicks.length} unmapped_user refusals in the card stream`];
    atEdge({ attack, layer: 'domain', notes }, refusedAtEdge, (ok) => ok && clean, (await effectsAt(s.stack, requestId)).length);
    onBus('slack bus: edge-signed VoteRelayed naming alice for an unmapped or another Slack user', relayed, 'unmapped_voter', clean);

    expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual(answers.map(() => [200, 'unmapped_user']));
    expect(refusedAtEdge.filter((ok) => !ok)).toEqual([]);
    expect(relayed.filter((envelope) => !rejectedOnAudit(envelope, 'unmapped_voter')).map((envelope) => envelope.data.slack)).toEqual([]);
    expect(clean).toBe(true);
  });

  it('never lets a Slack approval count on a step-up tier: crafted clicks refused, relayed approvals rejected, nothing minted or run', async () => {
    const { requestId, digest, renderingDigest } = requests.stepUp;
    expect(JSON.stringify((await slack.card(requestId)).blocks)).not.toContain('countersign.approve');
    // The card has no Approve button: press it anyway, in a Deny click's payload, signed with Slack's real secret.
    const approvers = Object.keys(SLACK_IDS) as Approver[];
    const clicks = await Promise.all(
      approvers.flatMap((who) => [1, 2, 3].map(() => slack.click(requestId, mapped(who), 'deny', pressApprove))),
    );
    const answers = await Promise.all(clicks.map((click) => slack.post(slack.sign(click))));
    const refusals = edge(requestId).refused('step_up_required');
    const edgeRelayedNothing = edge(requestId).relayed.length === 0;
    const relayed = await Promise.all(
      FINANCE.map((who) =>
        relayOnBus(s.stack, connections, {
          requestId,
          digest,
          renderingDigest,
          decision: 'approve',
          approver: `approver:${who}`,
          slack: { teamId: TEAM, userId: SLACK_IDS[who] },
        }),
      ),
    );
    await evidence.waitFor(() => relayed.every((envelope) => rejectedOnAudit(envelope, 'step_up_required')));
    await evidence.settle();
    const outcomes = [EventTypes.VoteRecorded, EventTypes.RequestApproved, EventTypes.CredentialIssued].map(
      (type) => events(type, requestId).length,
    );
    const executions = (await effectsAt(s.stack, requestId)).length;
    const nothing = edgeRelayedNothing && outcomes.every((count) => count === 0) && executions === 0;
    const attack = 'slack http: crafted Approve clicks on a step-up card (payments-critical), every mapped approver';
    const notes = [`${refusals.length}/${clicks.length} step_up_required refusals in the card stream`];
    const stepUp = (answer: Answer) => nothing && answer.status === 200 && answer.body.code === 'step_up_required';
    atEdge({ attack, layer: 'domain', notes }, answers, stepUp, executions);
    onBus('slack bus: edge-signed VoteRelayed approve on a step-up tier (finance approvers)', relayed, 'step_up_required', nothing);

    expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual(answers.map(() => [200, 'step_up_required']));
    expect(refusals).toHaveLength(clicks.length);
    expect(edgeRelayedNothing).toBe(true);
    expect(relayed.filter((envelope) => !rejectedOnAudit(envelope, 'step_up_required')).map((envelope) => envelope.data.approver)).toEqual(
      [],
    );
    expect({ outcomes, executions }).toEqual({ outcomes: [0, 0, 0], executions: 0 });
  });

  it('caused no effect at the target for any request', async () => {
    expect(await attackEffects(s.stack, new Set())).toBe(0);
  });
});
