import type { SlackUser, VoteCastV1, VoteRelayedV1 } from './events/requester';

/**
 * A person's click on an approval card's vote button: who clicked (Slack's team and user ids), when
 * (Slack's `action_ts`) and the vote the button carried. The one shape the Slack adapter parses a
 * click into and the card decider relays (or refuses) as `vote.relayed`.
 */
export type SlackVoteClick = SlackUser &
  Pick<VoteRelayedV1['slack'], 'actionTs'> &
  Pick<VoteCastV1, 'decision' | 'requestId' | 'digest' | 'renderingDigest' | 'reason'>;
