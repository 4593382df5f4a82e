import { SLACK_LIMITS } from '../card-text';

export interface StandInCall {
  method: string;
  /** The arguments as Slack would parse them (JSON-string fields like `blocks` decoded); no token. */
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
}

export interface StandInMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** How many times chat.update changed it. */
  updates: number;
}

export interface StandInEphemeral {
  channel: string;
  user: string;
  text: string;
}

type Answer = Record<string, unknown> & { ok: boolean };

/** The Web API methods the edge uses, with Slack's answers and error codes. */
export class WebApiMethods {
  readonly calls: StandInCall[] = [];
  readonly posted = new Map<string, StandInMessage>();
  readonly ephemerals: StandInEphemeral[] = [];
  private sequence = 0;

  constructor(
    private readonly teamId: string,
    private readonly socketUrl: () => string,
  ) {}

  /** Answers a call already authenticated for its token type. */
  answer(method: string, args: Record<string, unknown>): Answer {
    const answer = this.dispatch(method, args);
    this.calls.push({ method, args, ok: answer.ok, ...(answer.ok ? {} : { error: String(answer['error']) }) });
    return answer;
  }

  refuse(method: string, args: Record<string, unknown>, error: string): Answer {
    this.calls.push({ method, args, ok: false, error });
    return { ok: false, error };
  }

  private dispatch(method: string, args: Record<string, unknown>): Answer {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://countersign-test.slack.com/',
          team: 'Countersign Test',
          user: 'countersign',
          team_id: this.teamId,
          user_id: 'U0STANDBOT',
          bot_id: 'B0STANDBOT',
        };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'apps.connections.open':
        return { ok: true, url: this.socketUrl() };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private postMessage(args: Record<string, unknown>): Answer {
    const channel = stringArg(args, 'channel');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const content = messageContent(args);
    if ('error' in content) return { ok: false, error: content.error };
    const message: StandInMessage = { channel, ts: this.nextTs(), ...content, updates: 0 };
    this.posted.set(key(channel, message.ts), message);
    return { ok: true, channel, ts: message.ts, message: slackMessage(message) };
  }

  private update(args: Record<string, unknown>): Answer {
    const channel = stringArg(args, 'channel') ?? '';
    const existing = this.posted.get(key(channel, stringArg(args, 'ts') ?? ''));
    if (!existing) return { ok: false, error: 'message_not_found' };
    const content = messageContent(args);
    if ('error' in content) return { ok: false, error: content.error };
    Object.assign(existing, content, { updates: existing.updates + 1 });
    return { ok: true, channel, ts: existing.ts, text: existing.text, message: slackMessage(existing) };
  }

  private postEphemeral(args: Record<string, unknown>): Answer {
    const channel = stringArg(args, 'channel');
    const user = stringArg(args, 'user');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    if (!user) return { ok: false, error: 'user_not_found' };
    const text = stringArg(args, 'text') ?? '';
    if (!text) return { ok: false, error: 'no_text' };
    this.ephemerals.push({ channel, user, text });
    return { ok: true, message_ts: this.nextTs() };
  }

  /** Like Slack's: seconds and microseconds, strictly increasing. */
  private nextTs(): string {
    const micros = ++this.sequence * 100;
    return `${1732190000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}

function key(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

function stringArg(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function messageContent(args: Record<string, unknown>): { text: string; blocks: unknown[] } | { error: string } {
  const text = typeof args['text'] === 'string' ? args['text'] : '';
  const blocks = args['blocks'] ?? [];
  if (!Array.isArray(blocks)) return { error: 'invalid_blocks_format' };
  if (!text && blocks.length === 0) return { error: 'no_text' };
  const invalid = checkBlocks(blocks);
  return invalid ? { error: invalid } : { text, blocks };
}

function slackMessage(message: StandInMessage): Record<string, unknown> {
  return { type: 'message', user: 'U0STANDBOT', bot_id: 'B0STANDBOT', text: message.text, blocks: message.blocks, ts: message.ts };
}

/** The limits Slack enforces on the blocks we send, so a card that Slack would refuse fails here too. */
function checkBlocks(blocks: unknown[]): string | undefined {
  if (blocks.length > SLACK_LIMITS.blocks) return 'invalid_blocks';
  const blockIds = new Set<string>();
  for (const block of blocks) {
    if (!isRecord(block) || typeof block['type'] !== 'string') return 'invalid_blocks';
    const id = block['block_id'];
    if (typeof id === 'string' && (blockIds.has(id) || id.length > 255)) return 'invalid_blocks';
    if (typeof id === 'string') blockIds.add(id);
    if (!withinLimits(block)) return 'invalid_blocks';
  }
  return undefined;
}

function withinLimits(block: Record<string, unknown>): boolean {
  const text = (node: unknown) => (isRecord(node) && typeof node['text'] === 'string' ? node['text'] : '');
  if (block['type'] === 'header') return text(block['text']).length <= SLACK_LIMITS.headerText;
  if (block['type'] === 'section') {
    const fields = Array.isArray(block['fields']) ? block['fields'] : [];
    return (
      text(block['text']).length <= SLACK_LIMITS.sectionText &&
      fields.length <= 10 &&
      fields.every((f) => text(f).length <= SLACK_LIMITS.sectionField)
    );
  }
  if (block['type'] === 'actions') {
    const elements = Array.isArray(block['elements']) ? block['elements'] : [];
    return (
      elements.length <= 25 &&
      elements.every(
        (e) =>
          isRecord(e) &&
          text(e['text']).length <= SLACK_LIMITS.buttonText &&
          (typeof e['value'] === 'string' ? e['value'].length : 0) <= 2000,
      )
    );
  }
  return true;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
