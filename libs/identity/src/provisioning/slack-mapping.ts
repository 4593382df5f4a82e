import type { SlackUser } from '@countersign/contracts';
import type { Registry } from './description';

export type SlackMapping = { approver: string } | { approver?: never; reason: string };

/**
 * The approver a Slack user votes as, from the registry (deploy/identities.json) and nothing else:
 * Slack's display names and e-mails are the user's to change, their ids are not. An unmapped user,
 * or one mapped twice, is refused: a Slack account alone never names who approves.
 */
export function approverForSlackUser(registry: Pick<Registry, 'approvers'>, user: SlackUser): SlackMapping {
  const matches = registry.approvers.filter(({ slack }) => slack?.teamId === user.teamId && slack.userId === user.userId);
  if (matches.length === 1) return { approver: `approver:${matches[0]!.name}` };
  if (matches.length === 0) return { reason: `Slack user ${user.userId} of team ${user.teamId} is not mapped to any approver` };
  return { reason: `Slack user ${user.userId} of team ${user.teamId} is mapped to ${matches.length} approvers; refusing all` };
}
