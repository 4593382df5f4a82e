import { randomBytes } from 'node:crypto';
import { CARD_IDS } from '../card-ids';
import { signSlackRequest } from '../signature';
import { isRecord } from './web-api-methods';

export interface BlockActionsInput {
  /** The posted card, e.g. one of the stand-in's `messages()`. */
  message: { channel: string; ts: string; blocks: unknown[] };
  teamId: string;
  userId: string;
  userName?: string;
  decision: 'approve' | 'deny';
  /** What the person typed into the reason input; absent means they left it empty. */
  reason?: string;
  actionTs?: string;
}

let clicks = 0;

/** A unique action_ts per click, like Slack's (seconds.microseconds). */
function nextActionTs(): string {
  clicks += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(clicks % 1_000_000).padStart(6, '0')}`;
}

/**
 * The `block_actions` payload Slack sends when someone clicks a button on a posted card: the
 * button's value is copied from the card, so a test clicks exactly what a person would see.
 * Throws if the card has no such button (a step-up card has no Approve).
 */
export function blockActionsPayload(input: BlockActionsInput): Record<string, unknown> {
  const actionId = input.decision === 'approve' ? CARD_IDS.approveAction : CARD_IDS.denyAction;
  const found = findButton(input.message.blocks, actionId);
  if (!found) throw new Error(`the message has no ${actionId} button`);
  const userName = input.userName ?? input.userId.toLowerCase();
  return {
    type: 'block_actions',
    user: { id: input.userId, username: userName, name: userName, team_id: input.teamId },
    api_app_id: 'A0STANDIN',
    token: 'stand-in-verification-token',
    container: { type: 'message', message_ts: input.message.ts, channel_id: input.message.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`,
    team: { id: input.teamId, domain: 'countersign-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.message.channel, name: 'approvals' },
    message: { type: 'message', user: 'U0STANDBOT', bot_id: 'B0STANDBOT', ts: input.message.ts, blocks: input.message.blocks },
    state: { values: stateValues(input.message.blocks, input.reason) },
    response_url: `https://hooks.slack.com/actions/${input.teamId}/${randomBytes(6).toString('hex')}/${randomBytes(12).toString('hex')}`,
    actions: [{ ...found.button, block_id: found.blockId, action_ts: input.actionTs ?? nextActionTs() }],
  };
}

function findButton(blocks: unknown[], actionId: string): { blockId: string; button: Record<string, unknown> } | undefined {
  for (const block of blocks) {
    if (!isRecord(block) || block['type'] !== 'actions' || !Array.isArray(block['elements'])) continue;
    const elements: unknown[] = block['elements'];
    const button = elements.find((element) => isRecord(element) && element['type'] === 'button' && element['action_id'] === actionId);
    if (isRecord(button))
      return { blockId: String(block['block_id']), button: pick(button, ['type', 'action_id', 'text', 'value', 'style']) };
  }
  return undefined;
}

/** Slack reports every input on the message, with `value: null` when nothing was typed. */
function stateValues(blocks: unknown[], reason: string | undefined): Record<string, unknown> {
  const hasReasonInput = blocks.some((block) => isRecord(block) && block['type'] === 'input' && block['block_id'] === CARD_IDS.reasonBlock);
  if (!hasReasonInput) return {};
  return { [CARD_IDS.reasonBlock]: { [CARD_IDS.reasonAction]: { type: 'plain_text_input', value: reason ?? null } } };
}

function pick(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((name) => name in record).map((name) => [name, record[name]]));
}

/** An HTTP interaction request as Slack sends it: form-encoded `payload=<json>`, signed. */
export function signedInteractionRequest(
  signingSecret: string,
  payload: unknown,
  timestampSeconds: number,
): { headers: Record<string, string>; body: string } {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(timestampSeconds),
      'X-Slack-Signature': signSlackRequest(signingSecret, timestampSeconds, body),
    },
    body,
  };
}
