import type { ApprovalRequestedV1 } from '@countersign/contracts';
import { escapeAndTruncate, escapeMrkdwn, truncateEscaped } from './mrkdwn';

/** Slack's Block Kit limits, in characters (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  sectionText: 3000,
  sectionField: 2000,
  headerText: 150,
  buttonText: 75,
  blocks: 50,
  fallbackText: 3000,
} as const;

/** Short enough to read, long enough to tell versions apart; the full one is in the audit trail. */
export function shortPolicyVersion(version: string): string {
  return version.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1…');
}

export function code(text: string): string {
  return `\`${escapeMrkdwn(text)}\``;
}

export function list(items: readonly string[], max: number): string {
  return items.length === 0 ? '_none_' : escapeAndTruncate(items.join(', '), max);
}

/** Every field is escaped and bounded on its own, so one long value cannot crowd out the others. */
export function summaryFields(requested: ApprovalRequestedV1, approvals: number): string[] {
  const { action, policy } = requested;
  const field = (title: string, body: string) => truncateEscaped(`*${title}*\n${body}`, SLACK_LIMITS.sectionField);
  return [
    field('What', code(action.kind)),
    // Environment, sensitivity and owner are the target registry's, never the requester's labels.
    field('Where', `${code(action.target)} in ${code(action.environment)}\nOwner: ${escapeMrkdwn(action.ownerTeam)}`),
    field('Requester', escapeMrkdwn(requested.requester)),
    field('Risk tier', `${escapeAndTruncate(policy.tier, 64)} (${escapeAndTruncate(policy.label, 64)})`),
    ...(action.amount ? [field('Amount', `${escapeMrkdwn(action.amount.value)} ${escapeMrkdwn(action.amount.currency)}`)] : []),
    field('Data sensitivity', escapeMrkdwn(action.dataSensitivity)),
    field('Quorum', `${approvals} of ${requested.quorum} approvals\nGroups: ${list(requested.eligibleGroups, 1500)}`),
    field('Expires', escapeMrkdwn(requested.expiresAt)),
    field('Window', `${escapeMrkdwn(action.window.notBefore)} to ${escapeMrkdwn(action.window.notAfter)}`),
    field('Policy', code(shortPolicyVersion(policy.version))),
  ];
}

/** Which workload asked, in which verified run (its task scope and end), on whose behalf (issue 19). */
export function agentText(agent: NonNullable<ApprovalRequestedV1['agent']>): string {
  return [
    '*Agent run* (verified by intake before this card was posted)',
    `Workload: ${escapeMrkdwn(agent.workload)}`,
    `On behalf of: ${escapeMrkdwn(agent.onBehalfOf)}`,
    `Run: ${code(agent.runId)} in scope ${code(agent.taskScope)}, until ${escapeMrkdwn(agent.runExpiresAt)}`,
  ].join('\n');
}

/** The exact CLI line that approves with the approver's own key (apps/cli/src/commands/vote.ts). */
export function stepUpCommand(requestId: string, digest: string, renderingDigest: string): string {
  return `npx countersign vote --as <approver> --request ${requestId} --digest ${digest} --rendering ${renderingDigest} --approve`;
}
