import {
  actionDigest,
  deterministicId,
  EventTypes,
  RELAYED_RENDERING_MAX_CHARS,
  renderAction,
  renderingDigest,
  type ApprovalRequestedV1,
} from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_RENDERING_DIGEST,
  FIXTURE_REQUEST_ID,
  FIXTURE_REQUESTER,
  fixtureAction,
} from '@countersign/contracts/testing';
import { fold } from '@countersign/decider';
import { DeciderSpecification } from '@countersign/decider/testing';
import type { RelayClick } from './card.commands';
import { cardDecider, relayedVoteId } from './card.decide';
import { CardEventTypes, type CardEvent, type ClickRefusalCode, type ObservedApprovalEvent } from './card.events';
import { cardWork } from './card.state';

const spec = DeciderSpecification(cardDecider);
const REQUESTED_ID = '6f1d2c3b-0000-4000-8000-00000000a001';
const ALICE = { teamId: 'T0COUNTSGN', userId: 'U0ALICE001' };

const requestedData = (extra: Partial<ApprovalRequestedV1> = {}): ApprovalRequestedV1 => ({
  requestId: FIXTURE_REQUEST_ID,
  digest: FIXTURE_DIGEST,
  requester: FIXTURE_REQUESTER,
  action: fixtureAction,
  renderingDigest: FIXTURE_RENDERING_DIGEST,
  policy: { version: `sha256:${'a'.repeat(64)}`, label: 'default-2026-11', tier: 'payments-high', rules: ['tier:payments-high'] },
  quorum: 2,
  eligibleGroups: ['finance'],
  expiresAt: '2026-11-21T10:15:00.000Z',
  ...extra,
});

const observed = (event: ObservedApprovalEvent): CardEvent => ({
  type: CardEventTypes.ApprovalObserved,
  id: deterministicId(event.id, 'slack.approval.observed'),
  data: { event },
});

const requested = (extra: Partial<ApprovalRequestedV1> = {}): ObservedApprovalEvent => ({
  id: REQUESTED_ID,
  type: EventTypes.ApprovalRequested,
  data: requestedData(extra),
});

const posted: CardEvent = {
  type: CardEventTypes.CardPosted,
  id: deterministicId(FIXTURE_REQUEST_ID, 'slack.card.posted'),
  data: { channel: 'C0APPROVALS', ts: '1732190000.000100', version: 1 },
};

const click = (decision: 'approve' | 'deny', extra: Partial<RelayClick['click']> = {}): RelayClick['click'] => ({
  ...ALICE,
  actionTs: '1732190001.000200',
  decision,
  requestId: FIXTURE_REQUEST_ID,
  digest: FIXTURE_DIGEST,
  renderingDigest: FIXTURE_RENDERING_DIGEST,
  ...extra,
});

const relay = (c: RelayClick['click'], approver: string | null = 'approver:alice'): RelayClick => ({
  type: 'RelayClick',
  click: c,
  approver: approver ?? undefined,
});

const relayed = (c: RelayClick['click'], reason?: string): CardEvent => ({
  type: EventTypes.VoteRelayed,
  id: relayedVoteId(c),
  data: {
    requestId: c.requestId,
    digest: c.digest,
    renderingDigest: c.renderingDigest,
    decision: c.decision,
    ...(reason ? { reason } : {}),
    approver: 'approver:alice',
    slack: { teamId: c.teamId, userId: c.userId, actionTs: c.actionTs },
  },
});

const refused = (c: RelayClick['click'], code: ClickRefusalCode, message: string): CardEvent => ({
  type: CardEventTypes.ClickRefused,
  id: deterministicId(`slack:${c.teamId}:${c.userId}:${c.actionTs}`, `slack.click.refused:${code}`),
  data: {
    requestId: c.requestId,
    code,
    message,
    click: { teamId: c.teamId, userId: c.userId, actionTs: c.actionTs, decision: c.decision },
  },
});

describe('the Slack card of a request', () => {
  it('given nothing, when approval asks for people, then the request is kept for a card', () => {
    spec
      .given([])
      .when({ type: 'ObserveApproval', event: requested() })
      .then([observed(requested())]);
  });

  it('given the request, when the same approval event is delivered again, then nothing happens', () => {
    spec
      .given([observed(requested())])
      .when({ type: 'ObserveApproval', event: requested() })
      .thenNothingHappened();
  });

  it('given nothing, when an auto-approval arrives, then nothing is kept: it never needed people', () => {
    const approved: ObservedApprovalEvent = {
      id: '6f1d2c3b-0000-4000-8000-00000000a002',
      type: EventTypes.RequestApproved,
      data: {
        requestId: FIXTURE_REQUEST_ID,
        digest: FIXTURE_DIGEST,
        requester: FIXTURE_REQUESTER,
        acceptedEventId: '6f1d2c3b-0000-4000-8000-00000000a003',
        mode: 'auto',
        approvers: [{ id: 'policy:default-2026-11', at: '2026-11-21T10:00:00.000Z' }],
        policy: requestedData().policy,
        window: fixtureAction.window,
        approvedAt: '2026-11-21T10:00:00.000Z',
      },
    };
    spec.given([]).when({ type: 'ObserveApproval', event: approved }).thenNothingHappened();
  });

  it('is posted once, then updated only when approval said something new', () => {
    const state = (events: CardEvent[]) => fold(cardDecider, events);
    expect(cardWork(state([]))).toBeUndefined();
    expect(cardWork(state([observed(requested())]))).toBe('post');
    expect(cardWork(state([observed(requested()), posted]))).toBeUndefined();
    const vote: ObservedApprovalEvent = {
      id: '6f1d2c3b-0000-4000-8000-00000000a004',
      type: EventTypes.VoteRecorded,
      data: {
        requestId: FIXTURE_REQUEST_ID,
        voteId: relayedVoteId(click('approve')),
        voter: 'approver:alice',
        via: 'slack',
        decision: 'approve',
        approvals: 1,
        quorum: 2,
      },
    };
    const afterVote = state([observed(requested()), posted, observed(vote)]);
    expect(cardWork(afterVote)).toBe('update');
    expect(afterVote.votes).toEqual([{ voter: 'approver:alice', decision: 'approve', via: 'slack' }]);
    spec
      .given([observed(requested()), posted, observed(vote)])
      .when({ type: 'RecordCardUpdated', requestId: FIXTURE_REQUEST_ID, version: 2 })
      .then([
        { type: CardEventTypes.CardUpdated, id: deterministicId(`${FIXTURE_REQUEST_ID}:2`, 'slack.card.updated'), data: { version: 2 } },
      ]);
  });

  it('given a posted card, when the post is recorded again, then nothing happens', () => {
    spec
      .given([observed(requested()), posted])
      .when({ type: 'RecordCardPosted', requestId: FIXTURE_REQUEST_ID, channel: 'C0APPROVALS', ts: '1732190000.000999', version: 1 })
      .thenNothingHappened();
  });
});

describe('a click on the card', () => {
  it('given a pending request, when a mapped approver approves with a reason, then the vote is relayed under the click id', () => {
    const approve = click('approve', { reason: 'invoice INV-7 checked' });
    spec
      .given([observed(requested()), posted])
      .when(relay(approve))
      .then([relayed(approve, 'invoice INV-7 checked')]);
  });

  it('given a relayed click, when the same click arrives again, then it is refused as a replay and nothing is relayed', () => {
    const approve = click('approve');
    spec
      .given([observed(requested()), posted, relayed(approve)])
      .when(relay(approve))
      .then([
        refused(
          approve,
          'replayed',
          `this click (slack:T0COUNTSGN:U0ALICE001:${approve.actionTs}) was already relayed as vote ${relayedVoteId(approve)}`,
        ),
      ]);
  });

  it('given a pending request, when an unmapped Slack user clicks, then it is refused', () => {
    const stranger = click('approve', { userId: 'U0MALLORY1' });
    spec
      .given([observed(requested())])
      .when(relay(stranger, null))
      .then([refused(stranger, 'unmapped_user', 'Slack user U0MALLORY1 of T0COUNTSGN is not mapped to any approver')]);
  });

  it('given no card, when someone clicks, then it is refused as unknown', () => {
    const approve = click('approve');
    spec
      .given([])
      .when(relay(approve))
      .then([refused(approve, 'unknown_request', `no approval card for request ${FIXTURE_REQUEST_ID}`)]);
  });

  it('given a pending request, when the click names another digest, then it is refused', () => {
    const stale = click('approve', { digest: `sha256:${'b'.repeat(64)}` });
    spec
      .given([observed(requested())])
      .when(relay(stale))
      .then([refused(stale, 'digest_mismatch', `the click names digest ${stale.digest}; the request's digest is ${FIXTURE_DIGEST}`)]);
  });

  it('given a pending request, when the click names a rendering the card did not show, then it is refused', () => {
    const other = 'c'.repeat(64);
    const stale = click('approve', { renderingDigest: other });
    spec
      .given([observed(requested())])
      .when(relay(stale))
      .then([refused(stale, 'rendering_mismatch', `the click names rendering ${other}; the card showed ${FIXTURE_RENDERING_DIGEST}`)]);
  });

  it('given a request whose text does not hash to its rendering digest, when anyone clicks, then it is refused', () => {
    const forged = observed(requested({ rendering: 'countersign action rendering v1\nkind: "nothing to see"' }));
    const deny = click('deny');
    spec
      .given([forged])
      .when(relay(deny))
      .then([
        refused(
          deny,
          'rendering_mismatch',
          `the card could not show this request: the carried rendering hashes to ${renderingDigest('countersign action rendering v1\nkind: "nothing to see"')}, not the request's rendering digest ${FIXTURE_RENDERING_DIGEST}`,
        ),
      ]);
  });

  it('given a request too long for a Slack card, when a Slack user approves, then it is refused; a deny is relayed', () => {
    const action = { ...fixtureAction, parameters: { body: 'x'.repeat(RELAYED_RENDERING_MAX_CHARS) } };
    const shown = renderingDigest(renderAction(action));
    const long = observed(requested({ action, digest: actionDigest(action), renderingDigest: shown }));
    const approve = click('approve', { digest: actionDigest(action), renderingDigest: shown });
    const length = renderAction(action).length;
    spec
      .given([long])
      .when(relay(approve))
      .then([
        refused(approve, 'rendering_too_long', `the action's text (${length} characters) is too long for Slack: approve it with the CLI`),
      ]);
    const deny = click('deny', { digest: actionDigest(action), renderingDigest: shown });
    spec
      .given([long])
      .when(relay(deny))
      .then([relayed(deny)]);
  });

  it('given a step-up tier, when a Slack user approves, then it is refused; a deny is relayed', () => {
    const stepUp = observed(requested({ stepUp: true, policy: { ...requestedData().policy, tier: 'payments-critical' } }));
    const approve = click('approve');
    spec
      .given([stepUp])
      .when(relay(approve))
      .then([refused(approve, 'step_up_required', 'tier payments-critical needs an approval signed with your own key, not a Slack click')]);
    const deny = click('deny');
    spec
      .given([stepUp])
      .when(relay(deny))
      .then([relayed(deny)]);
  });

  it('given a denied request, when someone approves, then it is refused as resolved', () => {
    const denied: ObservedApprovalEvent = {
      id: '6f1d2c3b-0000-4000-8000-00000000a005',
      type: EventTypes.RequestDenied,
      data: {
        requestId: FIXTURE_REQUEST_ID,
        digest: FIXTURE_DIGEST,
        requester: FIXTURE_REQUESTER,
        deniedBy: 'approver:bob',
        policy: requestedData().policy,
        deniedAt: '2026-11-21T10:01:00.000Z',
      },
    };
    const approve = click('approve');
    spec
      .given([observed(requested()), observed(denied)])
      .when(relay(approve))
      .then([refused(approve, 'already_resolved', `request ${FIXTURE_REQUEST_ID} is already denied`)]);
  });
});
