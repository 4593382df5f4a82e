import { EXTERNAL_ENVELOPE_LIMITS, inputLimitProblem, Reason, SlackUser, type SlackVoteClick } from '@countersign/contracts';
import { z } from 'zod';
import { BUTTON_VALUE_MAX_LENGTH, CARD_IDS, decodeDecisionValue } from './card-ids';

export interface InteractionError<Code extends string> {
  code: Code;
  /** The path of the offending field, e.g. `actions.0.value` or `user.id`. */
  field: string;
  message: string;
}

export type InteractionForm = { ok: true; payload: unknown } | { ok: false; error: InteractionError<'malformed_form' | 'malformed_json'> };

/**
 * Slack posts interactions as `application/x-www-form-urlencoded` with one field, `payload`,
 * holding JSON. Parse the raw body only after its signature was verified.
 */
export function parseInteractionForm(rawBody: Buffer): InteractionForm {
  const values = new URLSearchParams(rawBody.toString('utf8')).getAll('payload');
  if (values.length !== 1 || !values[0]) {
    const message = values.length > 1 ? 'more than one payload field' : 'no payload field';
    return { ok: false, error: { code: 'malformed_form', field: 'payload', message } };
  }
  try {
    return { ok: true, payload: JSON.parse(values[0]) as unknown };
  } catch (error) {
    return { ok: false, error: { code: 'malformed_json', field: 'payload', message: `payload is not JSON: ${(error as Error).message}` } };
  }
}

const SLACK_TS = /^\d{1,12}\.\d{1,8}$/;
const SlackTs = z.string().regex(SLACK_TS, 'a Slack timestamp like 1732190000.123456');
const SlackId = z.string().min(1).max(64);

/** One clicked button. Slack sends other element types too; a vote only ever comes from a button. */
const ButtonAction = z.looseObject({
  type: z.literal('button'),
  action_id: z.string().max(255),
  block_id: z.string().max(255),
  value: z.string().max(BUTTON_VALUE_MAX_LENGTH),
  action_ts: SlackTs,
  text: z.looseObject({ type: z.string(), text: z.string() }).optional(),
});

const InputState = z.looseObject({ type: z.string(), value: z.string().nullable().optional() });

/**
 * A `block_actions` payload (https://api.slack.com/reference/interaction-payloads/block-actions).
 * Loose objects, because Slack adds fields; strict on every field we read.
 */
export const BlockActionsPayload = z.looseObject({
  type: z.literal('block_actions'),
  team: z.looseObject({ id: SlackId, domain: z.string().optional() }),
  user: z.looseObject({
    id: SlackId,
    username: z.string().max(255).optional(),
    name: z.string().max(255).optional(),
    team_id: z.string().optional(),
  }),
  api_app_id: SlackId,
  token: z.string().optional(),
  trigger_id: z.string().min(1).max(255),
  container: z.looseObject({ type: z.literal('message'), message_ts: SlackTs, channel_id: SlackId, is_ephemeral: z.boolean().optional() }),
  channel: z.looseObject({ id: SlackId, name: z.string().optional() }).optional(),
  message: z.looseObject({ ts: SlackTs }).optional(),
  response_url: z.url({ protocol: /^https$/ }).optional(),
  actions: z.array(ButtonAction).min(1),
  state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), InputState)) }).optional(),
});
export type BlockActionsPayload = z.infer<typeof BlockActionsPayload>;

/** The click (the shape the card decider relays) and where it came from, for the answer to Slack. */
export interface VoteClick extends SlackVoteClick {
  userName?: string;
  channelId: string;
  messageTs: string;
  responseUrl?: string;
  triggerId: string;
}

export type VoteClickParse = { ok: true; click: VoteClick } | { ok: false; error: InteractionError<'invalid_payload' | 'unknown_action'> };
type Refused = Extract<VoteClickParse, { ok: false }>;

const DECISIONS: Record<string, VoteClick['decision']> = {
  [CARD_IDS.approveAction]: 'approve',
  [CARD_IDS.denyAction]: 'deny',
};

/**
 * Turns a click on our card into a vote. Anything that is not a button of ours is refused:
 * `unknown_action` for an interaction that is not ours (ignore it), `invalid_payload` for one that
 * is malformed or hostile.
 */
export function parseVoteClick(payload: unknown): VoteClickParse {
  // Bounded before the schema walks it: both Slack paths (HTTP and Socket Mode) come through here.
  const limit = inputLimitProblem(payload, EXTERNAL_ENVELOPE_LIMITS);
  if (limit) return refuse('invalid_payload', limit.path, `${limit.code}: ${limit.message}`);
  const type = isRecord(payload) ? payload['type'] : undefined;
  if (type !== undefined && type !== 'block_actions')
    return refuse('unknown_action', 'type', `not a block_actions payload: ${typeof type === 'string' ? type : typeof type}`);
  const parsed = BlockActionsPayload.safeParse(payload);
  if (!parsed.success) return fromZod(parsed.error);
  return toClick(parsed.data);
}

function toClick(data: BlockActionsPayload): VoteClickParse {
  if (data.actions.length !== 1) return refuse('invalid_payload', 'actions', 'one click is one vote: expected exactly one action');
  const action = data.actions[0]!;
  const decision = Object.hasOwn(DECISIONS, action.action_id) ? DECISIONS[action.action_id] : undefined;
  if (!decision || action.block_id !== CARD_IDS.decisionBlock) {
    return refuse('unknown_action', 'actions.0.action_id', `not a Countersign decision: ${action.block_id}/${action.action_id}`);
  }
  const user = SlackUser.safeParse({ teamId: data.team.id, userId: data.user.id });
  if (!user.success) return refuse('invalid_payload', user.error.issues[0]?.path[0] === 'teamId' ? 'team.id' : 'user.id', 'not a Slack id');
  const target = decodeDecisionValue(action.value);
  if (!target)
    return refuse('invalid_payload', 'actions.0.value', 'the button value must be <request id>:<action digest>:<rendering digest>');
  const reason = readReason(data);
  if (!reason.ok) return reason;
  return {
    ok: true,
    click: {
      ...user.data,
      ...optional('userName', data.user.username ?? data.user.name),
      actionTs: action.action_ts,
      decision,
      ...target,
      ...optional('reason', reason.value),
      channelId: data.container.channel_id,
      messageTs: data.container.message_ts,
      ...optional('responseUrl', data.response_url),
      triggerId: data.trigger_id,
    },
  };
}

const REASON_FIELD = `state.values.${CARD_IDS.reasonBlock}.${CARD_IDS.reasonAction}.value`;

/** The typed reason, trimmed; blank means none. Own properties only, whatever keys Slack sent. */
function readReason(data: BlockActionsPayload): { ok: true; value: string | undefined } | Refused {
  const values = data.state?.values ?? {};
  const block = Object.hasOwn(values, CARD_IDS.reasonBlock) ? values[CARD_IDS.reasonBlock] : undefined;
  const input = block && Object.hasOwn(block, CARD_IDS.reasonAction) ? block[CARD_IDS.reasonAction] : undefined;
  const text = input?.value?.trim() ?? '';
  if (text.length === 0) return { ok: true, value: undefined };
  const reason = Reason.safeParse(text);
  if (!reason.success)
    return refuse('invalid_payload', REASON_FIELD, `the reason is invalid: ${reason.error.issues[0]?.message ?? 'invalid'}`);
  return { ok: true, value: reason.data };
}

function fromZod(error: z.ZodError): Refused {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || '(payload)';
  return refuse('invalid_payload', field, issue?.message ?? 'invalid payload');
}

function refuse(code: Refused['error']['code'], field: string, message: string): Refused {
  return { ok: false, error: { code, field, message } };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
