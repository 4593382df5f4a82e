import type { ApprovalRequestedV1 } from '@countersign/contracts';
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, InputBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import { CARD_IDS, encodeDecisionValue, REASON_MAX_LENGTH } from './card-ids';
import { cardRendering, renderingBlocks, type CardRendering } from './card-rendering';
import { agentText, code, list, shortPolicyVersion, SLACK_LIMITS, stepUpCommand, summaryFields } from './card-text';
import { escapeAndTruncate, escapeMrkdwn, truncate, truncateEscaped } from './mrkdwn';

export interface CardVote {
  voter: string;
  decision: 'approve' | 'deny';
  via: 'signed' | 'slack';
  reason?: string;
}

export interface CardModel {
  requested: ApprovalRequestedV1;
  approvals: number;
  votes: CardVote[];
  escalation?: { addedGroups: string[]; expiresAt: string };
  outcome?: { kind: 'approved' | 'denied' | 'expired'; at: string; by: string[]; reason?: string };
}

export interface SlackCard {
  /** The notification fallback: what a phone shows and a screen reader reads. */
  text: string;
  blocks: KnownBlock[];
}

const OUTCOME_TITLES = { approved: 'Approved', denied: 'Denied', expired: 'Expired' } as const;

/**
 * The approval card, pure. Everything a person needs to decide is on it: the action's canonical
 * rendering in full (the text their vote names by digest, never cut: too long, and the card says
 * so and sends them to the CLI), and the full action digest. Other text is escaped and bounded.
 */
export function approvalCard(model: CardModel): SlackCard {
  const { requested } = model;
  const rendering = cardRendering(requested);
  const blocks: KnownBlock[] = [
    header(model),
    { type: 'section', fields: summaryFields(requested, model.approvals).map(mrkdwn) },
    ...renderingBlocks(requested, rendering),
    ...(requested.agent ? [section(agentText(requested.agent))] : []),
    ...(requested.action.breakGlass ? [breakGlass()] : []),
    ...(model.escalation ? [escalated(model.escalation)] : []),
    section(
      `*Action digest* (compare it with what you expect before you vote)\n${code(requested.digest)}\n*Rendering digest* ${code(requested.renderingDigest)}`,
    ),
    section(votesText(model.votes)),
    ...(model.outcome ? [outcomeSection(model)] : pendingControls(requested, rendering)),
    footer(requested),
  ];
  return { text: fallbackText(model), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

function header(model: CardModel): HeaderBlock {
  const title = model.outcome ? OUTCOME_TITLES[model.outcome.kind] : 'Approval needed';
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(`${title}: ${model.requested.action.kind}`, SLACK_LIMITS.headerText) },
  };
}

function breakGlass(): SectionBlock {
  return section(':rotating_light: *Break-glass requested.* The tier allows a reduced quorum; the decision is reviewed afterwards.');
}

function escalated(escalation: NonNullable<CardModel['escalation']>): SectionBlock {
  const groups = list(escalation.addedGroups, 1500);
  return section(`:arrow_double_up: *Escalated.* Now also eligible: ${groups}. Expires ${escapeMrkdwn(escalation.expiresAt)}.`);
}

const VIA = { signed: 'signed with own key', slack: 'via Slack' } as const;

function voteLine(vote: CardVote): string {
  const decision = vote.decision === 'approve' ? ':white_check_mark: approve' : ':x: deny';
  const reason = vote.reason ? ` — “${escapeAndTruncate(vote.reason, 300)}”` : '';
  return `• ${escapeAndTruncate(vote.voter, 100)}: ${decision} (${VIA[vote.via]})${reason}`;
}

/** As many votes as fit, newest last; the count of the rest is shown rather than silently dropped. */
function votesText(votes: readonly CardVote[]): string {
  if (votes.length === 0) return '*Votes so far*\n_No votes yet._';
  const lines = ['*Votes so far*'];
  let length = lines[0]!.length;
  for (const [index, vote] of votes.entries()) {
    const line = voteLine(vote);
    if (length + line.length + 40 > SLACK_LIMITS.sectionText) {
      lines.push(`… and ${votes.length - index} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

function outcomeSection({ outcome, approvals, requested }: CardModel): SectionBlock {
  const { kind, at, by, reason } = outcome!;
  const who = by.length > 0 ? ` by ${list(by, 1000)}` : '';
  const why = reason ? `\nReason: ${escapeAndTruncate(reason, 600)}` : '';
  const when = escapeMrkdwn(at);
  if (kind === 'approved') return section(`:white_check_mark: *Approved*${who} at ${when}.${why}`);
  if (kind === 'denied') return section(`:no_entry: *Denied*${who} at ${when}.${why}`);
  // Expiry is nobody's decision: it must never read as a denial.
  return section(
    `:hourglass: *Expired* at ${when} with ${approvals} of ${requested.quorum} approvals: no decision was reached, nothing will run.${why}`,
  );
}

/**
 * The buttons name the request, its digest and the rendering digest of the text above them. A card
 * that could not show the text takes no vote; one too long to show takes a deny only (it says so).
 */
function pendingControls(requested: ApprovalRequestedV1, rendering: CardRendering): KnownBlock[] {
  if (rendering.kind === 'unshowable') return [];
  const value = encodeDecisionValue(requested);
  const deny = button(CARD_IDS.denyAction, 'Deny', 'danger', value);
  if (rendering.kind === 'too_long') return [reasonInput(), decisionButtons([deny])];
  if (!requested.stepUp) return [reasonInput(), decisionButtons([button(CARD_IDS.approveAction, 'Approve', 'primary', value), deny])];
  return [stepUpNotice(requested), reasonInput(), decisionButtons([deny])];
}

function stepUpNotice({ requestId, digest, renderingDigest }: ApprovalRequestedV1): SectionBlock {
  return section(
    ':closed_lock_with_key: *Step-up required.* A Slack click cannot approve this tier. ' +
      'To approve, sign the vote with your own key:\n' +
      `\`\`\`${escapeMrkdwn(stepUpCommand(requestId, digest, renderingDigest))}\`\`\`\nDeny works from here.`,
  );
}

function reasonInput(): InputBlock {
  return {
    type: 'input',
    block_id: CARD_IDS.reasonBlock,
    optional: true,
    label: { type: 'plain_text', text: 'Reason (optional)' },
    element: {
      type: 'plain_text_input',
      action_id: CARD_IDS.reasonAction,
      multiline: false,
      max_length: REASON_MAX_LENGTH,
      placeholder: { type: 'plain_text', text: 'Why? e.g. change ticket CHG-118' },
    },
  };
}

function button(actionId: string, text: string, style: 'primary' | 'danger', value: string): Button {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.buttonText) }, style, value };
}

function decisionButtons(elements: Button[]): ActionsBlock {
  return { type: 'actions', block_id: CARD_IDS.decisionBlock, elements };
}

function footer(requested: ApprovalRequestedV1): ContextBlock {
  const text = `Request ${code(requested.requestId)} · policy ${escapeAndTruncate(requested.policy.label, 64)} ${code(shortPolicyVersion(requested.policy.version))}`;
  return { type: 'context', elements: [mrkdwn(text)] };
}

function fallbackText({ requested, approvals, outcome }: CardModel): string {
  const { kind, target, environment } = requested.action;
  const title = outcome ? OUTCOME_TITLES[outcome.kind] : 'Approval needed';
  const text = `${title}: ${kind} on ${target} (${environment}) requested by ${requested.requester}, ${approvals} of ${requested.quorum} approvals`;
  return escapeAndTruncate(text, SLACK_LIMITS.fallbackText);
}

/** verbatim: Slack must not auto-link URLs or channel names in text we did not write. */
function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateEscaped(text, SLACK_LIMITS.sectionText), verbatim: true };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}
