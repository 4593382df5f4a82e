import { EventTypes, type Envelope, type RequestApprovedV1, type VoteRelayedV1 } from '@countersign/contracts';
import { auditReceiptFor, chainRecords, executedRequestStory, memoryIdentities, toJsonLines, type Story } from '../testing/story';
import { chainOfCustody, formatCustody } from './custody';
import { entriesForRequest, examineEntries, parseJsonLines } from './entries';
import { verifyAudit } from './report';
import { formatTimeline, shortType, timelineEntry } from './timeline';

const { trust, signerFor } = memoryIdentities([
  ...['requester:deploy-bot', 'approver:alice', 'approver:bob', 'channel:slack'],
  ...['intake', 'approval', 'broker', 'executor', 'audit'].map((s) => `service:${s}`),
]);

const examine = (envelopes: readonly Envelope[]) =>
  examineEntries(parseJsonLines(toJsonLines(chainRecords(envelopes)), 'records.jsonl'), trust);

const VOTE = 2;
const APPROVED = 3;

interface SlackStoryOptions {
  /** Who signs the relayed vote; `channel:slack` unless a test forges it. */
  relayedBy?: string;
  /** The approver the relayed vote names; the approval always names approver:alice. */
  relayedFor?: string;
  stepUp?: boolean;
}

/**
 * The executed story, but approver:alice clicked Approve in Slack: her signed vote is replaced by a
 * vote.relayed with the same envelope id (the voteId the approval refers to), and the approval,
 * re-signed under its own id, says she voted via slack.
 */
function slackStory(options: SlackStoryOptions = {}): Story & { relayed: Envelope<VoteRelayedV1> } {
  const story = executedRequestStory(signerFor);
  const vote = story.envelopes[VOTE]!;
  const approved = story.envelopes[APPROVED] as Envelope<RequestApprovedV1>;
  const relayed = signerFor(options.relayedBy ?? 'channel:slack').sign<VoteRelayedV1>({
    ...vote,
    type: EventTypes.VoteRelayed,
    data: {
      requestId: story.requestId,
      digest: story.digest,
      renderingDigest: story.renderingDigest,
      decision: 'approve',
      approver: options.relayedFor ?? 'approver:alice',
      slack: { teamId: 'T0COUNTSGN', userId: 'U0ALICE001', actionTs: '1795428030.123456' },
    },
  });
  const approvers = approved.data.approvers.map((approver) => ({ ...approver, via: 'slack' as const }));
  const reapproved = signerFor('service:approval').sign<RequestApprovedV1>({
    ...approved,
    data: { ...approved.data, approvers, evidence: [relayed], ...(options.stepUp ? { stepUp: true as const } : {}) },
  });
  const envelopes = reReceipted(
    story.envelopes.map((envelope, index) => (index === VOTE ? relayed : index === APPROVED ? reapproved : envelope)),
  );
  return { ...story, envelopes, relayed };
}

/** Audit would have signed its receipt for the approval it chained: the re-signed one. */
function reReceipted(envelopes: readonly Envelope[]): Envelope[] {
  const receipt = auditReceiptFor(signerFor, envelopes.slice(0, APPROVED + 1));
  return envelopes.map((envelope, index) => (index === APPROVED + 1 ? receipt : envelope));
}

const custodyOf = (story: Story) => chainOfCustody(story.requestId, entriesForRequest(examine(story.envelopes), story.requestId));

describe('chain of custody with a vote relayed from Slack', () => {
  it('accepts the relayed vote as the approver’s proof and says how it arrived', () => {
    const story = slackStory();
    expect(verifyAudit(examine(story.envelopes)).ok).toBe(true);
    const custody = custodyOf(story);
    expect(custody).toMatchObject({ ok: true, distinct: true, executed: true, missing: [], problems: [] });
    expect(custody.links[1]).toEqual({
      role: 'approver',
      identity: 'approver:alice',
      eventId: story.relayed.id,
      eventType: EventTypes.VoteRelayed,
      signatureVerified: true,
      note: 'voted via slack, relayed by channel:slack, Slack user U0ALICE001',
    });
    const printed = formatCustody(custody);
    expect(printed[0]).toContain(': OK');
    expect(printed[2]).toMatch(
      /^ {2}approver +approver:alice +event \S+ +signature verified +\(voted via slack, relayed by channel:slack, Slack user U0ALICE001\)$/,
    );
  });

  it('fails when the relayed vote names another approver than the approval', () => {
    const story = slackStory({ relayedFor: 'approver:bob' });
    const custody = custodyOf(story);
    expect(custody.ok).toBe(false);
    expect(custody.problems).toEqual([`vote ${story.relayed.id} was relayed by channel:slack for approver:bob, not approver:alice`]);
  });

  it('fails when the relayed vote is signed by an identity that is not a channel', () => {
    const story = slackStory({ relayedBy: 'approver:bob' });
    const custody = custodyOf(story);
    expect(custody.ok).toBe(false);
    expect(custody.links[1]).toMatchObject({ identity: 'approver:alice', signatureVerified: false });
    expect(custody.problems).toEqual([
      // Audit's custody rule never sees a vote that does not verify: to it, the vote is missing.
      `vote ${story.relayed.id} by approver:alice was not recorded`,
      `the approver event ${story.relayed.id} does not verify`,
    ]);
    expect(formatCustody(custody)[0]).toContain('VIOLATION');
  });

  it('fails a step-up approval whose approver only clicked in Slack', () => {
    const custody = custodyOf(slackStory({ stepUp: true }));
    expect(custody.ok).toBe(false);
    expect(custody.problems).toEqual([
      'the tier one-approver requires step-up, but approver:alice approved relayed by channel:slack, not with a vote signed by their own key',
    ]);
  });

  it('fails a relayed vote for another action, and an approval that claims a relayed vote was signed', () => {
    const story = slackStory();
    const other = 'f'.repeat(64);
    const relayed = signerFor('channel:slack').sign<VoteRelayedV1>({ ...story.relayed, data: { ...story.relayed.data, digest: other } });
    const approved = story.envelopes[APPROVED] as Envelope<RequestApprovedV1>;
    const approvers = approved.data.approvers.map((approver) => ({ ...approver, via: 'signed' as const }));
    const resigned = signerFor('service:approval').sign<RequestApprovedV1>({
      ...approved,
      data: { ...approved.data, approvers, evidence: [relayed] },
    });
    const envelopes = reReceipted(
      story.envelopes.map((envelope, index) => (index === VOTE ? relayed : index === APPROVED ? resigned : envelope)),
    );
    // What the vote is about is checked first: a vote for another action proves nothing else.
    expect(custodyOf({ ...story, envelopes }).problems).toEqual([
      `vote ${relayed.id} names digest ${other}, not the request's ${story.digest}`,
      `${EventTypes.VoteRelayed} ${relayed.id} names another digest`,
    ]);
  });

  it('fails a relayed vote naming a rendering the approver was not shown', () => {
    const story = slackStory();
    const other = 'e'.repeat(64);
    const data = { ...story.relayed.data, renderingDigest: other };
    const relayed = signerFor('channel:slack').sign<VoteRelayedV1>({ ...story.relayed, data });
    // The approval carries the very vote it counted, as approval always does.
    const approved = story.envelopes[APPROVED] as Envelope<RequestApprovedV1>;
    const carrying = signerFor('service:approval').sign<RequestApprovedV1>({
      ...approved,
      data: { ...approved.data, evidence: [relayed] },
    });
    const envelopes = reReceipted(
      story.envelopes.map((envelope, index) => (index === VOTE ? relayed : index === APPROVED ? carrying : envelope)),
    );
    expect(custodyOf({ ...story, envelopes }).problems).toEqual([
      `vote ${relayed.id} names rendering digest ${other}, not the digest ${story.renderingDigest} of the text approval showed`,
    ]);
  });

  it('still accepts a step-up approval proven by a vote the approver signed', () => {
    const story = executedRequestStory(signerFor);
    const approved = story.envelopes[APPROVED] as Envelope<RequestApprovedV1>;
    const approvers = approved.data.approvers.map((approver) => ({ ...approver, via: 'signed' as const }));
    const stepped = signerFor('service:approval').sign<RequestApprovedV1>({
      ...approved,
      data: { ...approved.data, approvers, stepUp: true },
    });
    const envelopes = reReceipted(story.envelopes.map((envelope, index) => (index === APPROVED ? stepped : envelope)));
    expect(custodyOf({ ...story, envelopes })).toMatchObject({ ok: true, problems: [] });
  });
});

describe('status timeline with a vote relayed from Slack', () => {
  it('shows the relayed vote with its decision, digest, approver and channel', () => {
    const story = slackStory();
    const timeline = entriesForRequest(examine(story.envelopes), story.requestId).map(timelineEntry);
    expect(shortType(timeline[VOTE]!.type)).toBe('vote.relayed');
    expect(timeline[VOTE]).toMatchObject({
      signer: 'channel:slack',
      signature: 'verified',
      facts: { decision: 'approve', digest: story.digest, approver: 'approver:alice', via: 'slack', slackUser: 'U0ALICE001' },
    });
    expect(formatTimeline(story.requestId, timeline).join('\n')).toContain(`approver=approver:alice  via=slack`);
  });
});
