import { RELAYED_RENDERING_MAX_CHARS, renderAction } from '@countersign/contracts';
import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import { approvalCard } from './card';
import { CARD_IDS } from './card-ids';
import { splitEscaped } from './card-rendering';
import { SLACK_LIMITS } from './card-text';
import { escapeMrkdwn } from './mrkdwn';
import { approvalRequested } from './testing/requested';

const sections = (blocks: KnownBlock[]) =>
  blocks.filter((block): block is SectionBlock => block.type === 'section' && block.text !== undefined).map((block) => block.text!.text);
const fenced = (blocks: KnownBlock[]) => sections(blocks).filter((text) => text.startsWith('```') && !text.includes('countersign vote'));
const actionIds = (blocks: KnownBlock[]) =>
  blocks.filter((block): block is ActionsBlock => block.type === 'actions').flatMap((block) => block.elements.map((e) => e.action_id));
const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** An action whose rendering is exactly `length` characters long, its two parameters made of `fill`. */
function actionOfLength(length: number, fill: string) {
  const base = renderAction({ ...approvalRequested().action, parameters: { a: '', b: '' } }).length;
  const half = Math.floor((length - base) / 2);
  return { parameters: { a: fill.repeat(half), b: fill.repeat(length - base - half) } };
}

describe('the card shows the action’s rendering', () => {
  it('in full, in code blocks, every character of it, escaped', () => {
    const requested = approvalRequested({ parameters: { note: '<!channel> & `rm -rf`', path: '/migrate' } });
    const card = approvalCard({ requested, approvals: 0, votes: [] });
    expect(
      unescape(
        fenced(card.blocks)
          .map((text) => text.slice(3, -3))
          .join('\n'),
      ),
    ).toBe(renderAction(requested.action));
    expect(sections(card.blocks).join('\n')).toContain(`rendering \`${requested.renderingDigest}\`: your vote names this text`);
    expect(actionIds(card.blocks)).toEqual([CARD_IDS.approveAction, CARD_IDS.denyAction]);
  });

  it('up to the longest a relayed vote may have seen, even when every character needs escaping, within Slack’s limits', () => {
    const requested = approvalRequested(actionOfLength(RELAYED_RENDERING_MAX_CHARS, '&'));
    const text = renderAction(requested.action);
    expect(text.length).toBe(RELAYED_RENDERING_MAX_CHARS);
    const card = approvalCard({ requested, approvals: 0, votes: [] });
    const parts = fenced(card.blocks).map((part) => part.slice(3, -3));
    expect(unescape(parts.join('')).replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
    expect(card.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const section of sections(card.blocks)) expect(section.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(actionIds(card.blocks)).toContain(CARD_IDS.approveAction);
  });

  it('or, one character longer, none of it: the card says so, points to the CLI and takes only a deny', () => {
    const requested = approvalRequested(actionOfLength(RELAYED_RENDERING_MAX_CHARS + 1, 'y'));
    const card = approvalCard({ requested, approvals: 0, votes: [] });
    const texts = sections(card.blocks).join('\n');
    expect(texts).toContain(`This action's full text is ${RELAYED_RENDERING_MAX_CHARS + 1} characters, too long for a Slack card`);
    expect(texts).toContain(`npx countersign status ${requested.requestId}`);
    expect(texts).toContain(`--rendering ${requested.renderingDigest} --approve`);
    expect(texts).not.toContain('yyyy');
    expect(actionIds(card.blocks)).toEqual([CARD_IDS.denyAction]);
  });

  it('or, when the text does not hash to the request’s rendering digest, says so and takes no vote', () => {
    const requested = { ...approvalRequested(), rendering: 'countersign action rendering v1\nkind: "something harmless"' };
    const card = approvalCard({ requested, approvals: 0, votes: [] });
    expect(sections(card.blocks).join('\n')).toContain('This card cannot show the action');
    expect(sections(card.blocks).join('\n')).not.toContain('something harmless');
    expect(actionIds(card.blocks)).toEqual([]);
  });
});

describe('splitEscaped', () => {
  it('cuts at line breaks where it can, never inside an entity, and drops nothing else', () => {
    const text = escapeMrkdwn(Array.from({ length: 400 }, (_, i) => `line ${i} ${'&'.repeat(i % 30)}`).join('\n'));
    const parts = splitEscaped(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText - 8);
      expect(part).not.toMatch(/&(?!(amp|lt|gt);)/);
    }
    expect(parts.join('\n')).toBe(text);
  });

  it('cuts a line too long for one part anywhere but inside an entity', () => {
    const text = escapeMrkdwn('a&'.repeat(5000));
    const parts = splitEscaped(text);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(part).toMatch(/^(a|&amp;)+$/);
  });
});
