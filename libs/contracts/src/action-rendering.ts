import type { CanonicalAction } from './action';
import { CANONICAL_MAX_DEPTH, sha256Hex } from './canonical';
import { InputLimitError } from './input-limits';

/**
 * What the approver saw: one canonical, human-readable text of the whole action, the same in Slack,
 * the CLI and the MCP gateway. A vote names its digest next to the action digest, so audit can
 * prove which text each counted approver was shown. Deterministic (keys sorted as RFC 8785 does),
 * never truncated, and every string is quoted and escaped so that no parameter can fake a line,
 * a field, an indentation level or a code fence. The first line names the format: a later format
 * gets a new version line, so a rendering digest always says which text it covers.
 */
export const RENDERING_FORMAT = 'countersign action rendering v1';

/**
 * The longest rendering (UTF-8 bytes) that `approval.requested` carries inline. Beyond it the event
 * carries only `renderingDigest` (the action is there anyway) so the event still fits the envelope
 * limits; every surface then renders the action itself with `renderAction` and must get that digest.
 */
export const RENDERING_INLINE_MAX_BYTES = 96 * 1024;

/**
 * The longest rendering (characters) a relayed vote can have been shown in full: what a Slack card
 * shows, escaped and split into sections, within Slack's block limits. Above it the card says the
 * text is too long for Slack, and approval refuses a relayed approval (`rendering_too_long`): the
 * approver reads and approves with the CLI. A relayed deny still counts (refusing is the safe way).
 */
export const RELAYED_RENDERING_MAX_CHARS = 6000;

const TOP_LEVEL: ReadonlyArray<[keyof CanonicalAction, string]> = [
  ['requestId', 'request id'],
  ['kind', 'kind'],
  ['target', 'target'],
  ['targetAddress', 'target address'],
  ['environment', 'environment'],
  ['dataSensitivity', 'data sensitivity'],
  ['ownerTeam', 'owner team'],
  ['breakGlass', 'break-glass'],
];

/** The canonical text of an action. Throws InputLimitError past CANONICAL_MAX_DEPTH, as canonicalJson does. */
export function renderAction(action: CanonicalAction): string {
  const lines = [RENDERING_FORMAT];
  const record = action as unknown as Record<string, unknown>;
  for (const [key, label] of TOP_LEVEL) {
    if (record[key] !== undefined) lines.push(`${label}: ${scalar(record[key])}`);
  }
  const { window, amount, intent } = action;
  lines.push(`window: ${quote(window.notBefore)} to ${quote(window.notAfter)}`);
  lines.push(`amount: ${amount ? `${quote(amount.value)} ${quote(amount.currency)}` : 'none'}`);
  lines.push(...field('intent', intent ?? {}, 0));
  lines.push(...field('parameters', action.parameters, 0));
  // Whatever a later contract adds is shown too, generically, rather than silently left out.
  const known = new Set<string>([...TOP_LEVEL.map(([key]) => key), 'window', 'amount', 'intent', 'parameters']);
  for (const key of Object.keys(record).sort()) {
    if (!known.has(key) && record[key] !== undefined) lines.push(...field(key, record[key], 0));
  }
  return lines.join('\n');
}

/** The digest a vote names for the rendering it was shown: lowercase hex SHA-256 of its UTF-8 bytes. */
export function renderingDigest(text: string): string {
  return sha256Hex(text);
}

/** The rendering digest of an action: what every verifier recomputes from the accepted action. */
export function actionRenderingDigest(action: CanonicalAction): string {
  return renderingDigest(renderAction(action));
}

/** `label: value` on one line for a scalar or an empty container, else `label:` and indented children. */
function field(label: string, value: unknown, depth: number): string[] {
  if (depth >= CANONICAL_MAX_DEPTH) {
    throw new InputLimitError({ path: label, code: 'too_deep', message: `rendering: nesting exceeds ${CANONICAL_MAX_DEPTH} levels` });
  }
  const indent = '  '.repeat(depth);
  const children = entriesOf(value);
  if (children === undefined) return [`${indent}${label}: ${scalar(value)}`];
  if (children.length === 0) return [`${indent}${label}: ${Array.isArray(value) ? '[] (no items)' : '{} (no fields)'}`];
  const count = Array.isArray(value) ? ` (${children.length} ${children.length === 1 ? 'item' : 'items'})` : '';
  return [`${indent}${label}:${count}`, ...children.flatMap(([key, child]) => field(key, child, depth + 1))];
}

/** Children with their labels: `[0]`… for arrays, sorted keys for objects; undefined for a scalar. */
function entriesOf(value: unknown): Array<[string, unknown]> | undefined {
  if (Array.isArray(value)) return value.map((item, index) => [`[${index}]`, item]);
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  return Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => [keyLabel(key), record[key]]);
}

/** A plain key stays readable; anything else is quoted, so a key cannot pose as `[0]` or `a: b`. */
function keyLabel(key: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key) ? key : quote(key);
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('renderAction: non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean' || value === null) return String(value);
  throw new TypeError(`renderAction: cannot render ${typeof value}`);
}

/**
 * Everything outside printable ASCII, and the backtick, becomes a `\uXXXX` escape (UTF-16 units):
 * controls and line breaks cannot fake lines, bidirectional overrides and zero-width characters
 * cannot hide text, a Cyrillic `а` cannot pass for a Latin `a`, and a backtick cannot open or close
 * a Markdown code fence (Slack, MCP clients). It also keeps the text independent of the Unicode
 * version of whoever renders it, so every service computes the same digest.
 */
const UNSAFE = /[^\x20-\x5f\x61-\x7e]/g;

/** A double-quoted string: `\` and `"` escaped, then every unsafe character as `\uXXXX`. */
function quote(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${escaped.replace(UNSAFE, unicodeEscape)}"`;
}

function unicodeEscape(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** What an approval request says approvers are shown: `approval.requested`'s action, rendering and its digest. */
export interface RenderedRequest {
  action: CanonicalAction;
  rendering?: string | undefined;
  renderingDigest: string;
}

export type RenderingToShow = { ok: true; text: string } | { ok: false; problem: string };

/**
 * The text a surface (Slack card, CLI, MCP gateway) shows for an approval request: the rendering it
 * carries, or, when it was too long to carry, the action rendered here. Either way the text must
 * hash to `renderingDigest`, the digest a vote will name; otherwise nothing is shown (fail closed:
 * a surface never shows a text other than the one the vote will be checked against).
 */
export function renderingToShow(request: RenderedRequest): RenderingToShow {
  const text = request.rendering ?? renderAction(request.action);
  const digest = renderingDigest(text);
  if (digest === request.renderingDigest) return { ok: true, text };
  const source = request.rendering === undefined ? 'the action rendered here' : 'the carried rendering';
  return { ok: false, problem: `${source} hashes to ${digest}, not the request's rendering digest ${request.renderingDigest}` };
}
