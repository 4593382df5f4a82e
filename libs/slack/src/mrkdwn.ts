/**
 * Slack mrkdwn helpers. Slack parses `<...>` as links and mentions (`<!channel>`, `<@U123>`) and
 * `&` starts an entity, so every piece of text we did not write ourselves goes through `escapeMrkdwn`.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ELLIPSIS = '…';

/** Cuts text to at most `max` characters, marking the cut. Never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

/**
 * Escapes, then bounds the result to `max` characters, without leaving half an entity
 * (`&am…`) behind, which Slack would render as garbage or reject.
 */
export function escapeAndTruncate(text: string, max: number): string {
  return truncateEscaped(escapeMrkdwn(text), max);
}

/** Bounds text that is already escaped (or mixes escaped parts with our own markup). */
export function truncateEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = truncate(escaped, max).slice(0, -ELLIPSIS.length);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}${ELLIPSIS}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
