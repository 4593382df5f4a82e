import { deterministicId, EventTypes, RELAYED_RENDERING_MAX_CHARS, renderingToShow } from '@countersign/contracts';
import type { Decider } from '@countersign/decider';
import type { CardCommand, ObserveApproval, RelayClick } from './card.commands';
import { CardEventTypes, type CardEvent, type ClickRefusalCode, type ClickRefused, type VoteRelayed } from './card.events';
import { clickKey, evolveCard, initialCardState, isResolved, type CardState } from './card.state';

/** The vote id of a click: a replayed or re-delivered click relays under the very same id. */
export const relayedVoteId = (click: RelayClick['click']): string => deterministicId(clickKey(click), 'vote.relayed');

function observe(command: ObserveApproval, state: CardState): CardEvent[] {
  const { event } = command;
  if (state.observed.includes(event.id)) return [];
  // A request that never needed people (auto-approved) gets no card, so nothing is kept for it.
  if (!state.requested && event.type !== EventTypes.ApprovalRequested) return [];
  return [{ type: CardEventTypes.ApprovalObserved, id: deterministicId(event.id, 'slack.approval.observed'), data: { event } }];
}

function refused(command: RelayClick, code: ClickRefusalCode, message: string): ClickRefused {
  const { teamId, userId, actionTs, decision, requestId } = command.click;
  return {
    type: CardEventTypes.ClickRefused,
    id: deterministicId(clickKey(command.click), `slack.click.refused:${code}`),
    data: { requestId, code, message, click: { teamId, userId, actionTs, decision } },
  };
}

const unmapped = (click: RelayClick['click']): [ClickRefusalCode, string] => [
  'unmapped_user',
  `Slack user ${click.userId} of ${click.teamId} is not mapped to any approver`,
];

/** Why a click cannot be relayed, checked in the order a person would want to be told. */
function refusalOf(command: RelayClick, state: CardState): [ClickRefusalCode, string] | undefined {
  const { click, approver } = command;
  const voteId = relayedVoteId(click);
  if (state.relayed[voteId]) return ['replayed', `this click (${clickKey(click)}) was already relayed as vote ${voteId}`];
  if (!state.requested) return ['unknown_request', `no approval card for request ${click.requestId}`];
  if (!approver) return unmapped(click);
  if (isResolved(state)) return ['already_resolved', `request ${click.requestId} is already ${state.outcome?.kind ?? 'resolved'}`];
  if (click.digest !== state.requested.digest) {
    return ['digest_mismatch', `the click names digest ${click.digest}; the request's digest is ${state.requested.digest}`];
  }
  const shown = renderingRefusal(click, state.requested);
  if (shown) return shown;
  if (state.requested.stepUp && click.decision === 'approve') {
    return ['step_up_required', `tier ${state.requested.policy.tier} needs an approval signed with your own key, not a Slack click`];
  }
  return undefined;
}

/** The click must name the rendering the card showed; an approval needs one the card showed in full. */
function renderingRefusal(
  click: RelayClick['click'],
  requested: NonNullable<CardState['requested']>,
): [ClickRefusalCode, string] | undefined {
  const shown = renderingToShow(requested);
  if (!shown.ok) return ['rendering_mismatch', `the card could not show this request: ${shown.problem}`];
  if (click.renderingDigest !== requested.renderingDigest) {
    return ['rendering_mismatch', `the click names rendering ${click.renderingDigest}; the card showed ${requested.renderingDigest}`];
  }
  if (click.decision === 'approve' && shown.text.length > RELAYED_RENDERING_MAX_CHARS) {
    return ['rendering_too_long', `the action's text (${shown.text.length} characters) is too long for Slack: approve it with the CLI`];
  }
  return undefined;
}

function relay(command: RelayClick, state: CardState): CardEvent[] {
  const refusal = refusalOf(command, state);
  const { click, approver } = command;
  if (refusal || approver === undefined) return [refused(command, ...(refusal ?? unmapped(click)))];
  const relayed: VoteRelayed = {
    type: EventTypes.VoteRelayed,
    id: relayedVoteId(click),
    data: {
      requestId: click.requestId,
      digest: click.digest,
      renderingDigest: click.renderingDigest,
      decision: click.decision,
      ...(click.reason ? { reason: click.reason } : {}),
      approver,
      slack: { teamId: click.teamId, userId: click.userId, actionTs: click.actionTs },
    },
  };
  return [relayed];
}

function decide(command: CardCommand, state: CardState): CardEvent[] {
  switch (command.type) {
    case 'ObserveApproval':
      return observe(command, state);
    case 'RecordCardPosted':
      if (state.posted) return [];
      return [
        {
          type: CardEventTypes.CardPosted,
          id: deterministicId(command.requestId, 'slack.card.posted'),
          data: { channel: command.channel, ts: command.ts, version: command.version },
        },
      ];
    case 'RecordCardUpdated':
      if (!state.posted || state.posted.version >= command.version) return [];
      return [
        {
          type: CardEventTypes.CardUpdated,
          id: deterministicId(`${command.requestId}:${command.version}`, 'slack.card.updated'),
          data: { version: command.version },
        },
      ];
    case 'RelayClick':
      return relay(command, state);
  }
}

export const cardDecider: Decider<CardCommand, CardEvent, CardState> = {
  decide,
  evolve: evolveCard,
  initialState: initialCardState,
};
