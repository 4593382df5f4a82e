import { RELAYED_RENDERING_MAX_CHARS, renderingToShow, type ApprovalRequestedV1 } from '@countersign/contracts';
import type { SectionBlock } from '@slack/types';
import { code, SLACK_LIMITS, stepUpCommand } from './card-text';
import { escapeMrkdwn } from './mrkdwn';

/**
 * How the card shows the action's canonical rendering (`renderAction`), the text every approval
 * surface shows and every vote names by digest:
 * - `full`: all of it, escaped and split over as many code-block sections as it takes, never cut;
 * - `too_long`: longer than RELAYED_RENDERING_MAX_CHARS. The card shows none of it rather than a
 *   part, says so, and points to the CLI, which prints it in full and signs the approval; a Slack
 *   approval is refused (edge and approval both), a deny still counts;
 * - `unshowable`: the text does not hash to the request's rendering digest; no vote from this card.
 */
export type CardRendering =
  { kind: 'full'; sections: SectionBlock[] } | { kind: 'too_long'; length: number } | { kind: 'unshowable'; problem: string };

/** Room for the code fence around each part. */
const PART_BUDGET = SLACK_LIMITS.sectionText - 8;

export function cardRendering(requested: ApprovalRequestedV1): CardRendering {
  const shown = renderingToShow(requested);
  if (!shown.ok) return { kind: 'unshowable', problem: shown.problem };
  if (shown.text.length > RELAYED_RENDERING_MAX_CHARS) return { kind: 'too_long', length: shown.text.length };
  return { kind: 'full', sections: splitEscaped(escapeMrkdwn(shown.text)).map((part) => codeSection(part)) };
}

/** The sections that introduce and hold the rendering on the card. */
export function renderingBlocks(requested: ApprovalRequestedV1, rendering: CardRendering): SectionBlock[] {
  const digest = code(requested.renderingDigest);
  switch (rendering.kind) {
    case 'full':
      return [textSection(`*The action in full* (rendering ${digest}: your vote names this text)`), ...rendering.sections];
    case 'too_long':
      return [textSection(tooLongText(requested, rendering.length))];
    case 'unshowable':
      return [textSection(`:warning: *This card cannot show the action*, so it takes no vote: ${escapeMrkdwn(rendering.problem)}`)];
  }
}

function tooLongText(requested: ApprovalRequestedV1, length: number): string {
  const command = stepUpCommand(requested.requestId, requested.digest, requested.renderingDigest);
  return (
    `:page_facing_up: *This action's full text is ${length} characters, too long for a Slack card*, so none of it is ` +
    `shown here rather than a part. Read all of it with \`npx countersign status ${requested.requestId}\` and approve ` +
    `with your own key; a Slack approval of it is refused:\n\`\`\`${escapeMrkdwn(command)}\`\`\`\nDeny works from here.`
  );
}

/**
 * Cuts escaped text into parts of at most PART_BUDGET characters: at a line break where one falls
 * in the second half of a part, else anywhere but inside an entity (`&amp;`). Joined again (with
 * the line breaks cut at), the parts are the text: nothing is dropped.
 */
export function splitEscaped(escaped: string): string[] {
  const parts: string[] = [];
  let rest = escaped;
  while (rest.length > PART_BUDGET) {
    const window = rest.slice(0, PART_BUDGET);
    const newline = window.lastIndexOf('\n');
    if (newline >= PART_BUDGET / 2) {
      parts.push(rest.slice(0, newline));
      rest = rest.slice(newline + 1);
      continue;
    }
    const amp = window.lastIndexOf('&');
    const end = amp >= 0 && !window.slice(amp).includes(';') ? amp : PART_BUDGET;
    parts.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  return [...parts, rest];
}

function codeSection(part: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${part}\`\`\``, verbatim: true } };
}

function textSection(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } };
}
