import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { approvalCard, type CardModel } from './card';
import { CARD_IDS, decodeDecisionValue } from './card-ids';
import { SLACK_LIMITS } from './card-text';
import { approvalRequested } from './testing/requested';

const pending = (extra: Partial<CardModel> = {}): CardModel => ({ requested: approvalRequested(), approvals: 0, votes: [], ...extra });

function buttons(blocks: KnownBlock[]): Button[] {
  return blocks
    .filter((block): block is ActionsBlock => block.type === 'actions')
    .flatMap((block) => block.elements.filter((element): element is Button => element.type === 'button'));
}

/** Every piece of text the card shows, for assertions about content. */
function allText(card: { text: string; blocks: KnownBlock[] }): string {
  return JSON.stringify(card.blocks) + card.text;
}

function mrkdwnTexts(blocks: KnownBlock[]): string[] {
  const texts: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record['type'] === 'mrkdwn' && typeof record['text'] === 'string') texts.push(record['text']);
      Object.values(record).forEach(visit);
    }
  };
  visit(blocks);
  return texts;
}

/** Checks every limit the card can run into. */
function expectWithinSlackLimits(card: { text: string; blocks: KnownBlock[] }): void {
  expect(card.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(card.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  for (const block of card.blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (block.type === 'section') {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionField);
    }
  }
  for (const button of buttons(card.blocks)) {
    expect(button.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
    expect(button.value?.length ?? 0).toBeLessThanOrEqual(2000);
  }
}

describe('approvalCard', () => {
  it('a pending card has Approve and Deny buttons carrying the request id and digest', () => {
    const model = pending();
    const card = approvalCard(model);
    const [approve, deny] = buttons(card.blocks);
    expect(approve).toMatchObject({ action_id: CARD_IDS.approveAction, style: 'primary', text: { text: 'Approve' } });
    expect(deny).toMatchObject({ action_id: CARD_IDS.denyAction, style: 'danger', text: { text: 'Deny' } });
    for (const button of [approve!, deny!]) {
      const { requestId, digest, renderingDigest } = model.requested;
      expect(decodeDecisionValue(button.value!)).toEqual({ requestId, digest, renderingDigest });
    }
    const actions = card.blocks.find((block) => block.type === 'actions');
    expect(actions).toMatchObject({ block_id: CARD_IDS.decisionBlock });
  });

  it('a pending card has an optional one-line reason input bounded like the contract Reason', () => {
    const input = approvalCard(pending()).blocks.find((block) => block.type === 'input');
    expect(input).toMatchObject({
      block_id: CARD_IDS.reasonBlock,
      optional: true,
      element: { type: 'plain_text_input', action_id: CARD_IDS.reasonAction, multiline: false, max_length: 500 },
    });
  });

  it('shows what, where, amount, sensitivity, requester, tier, quorum, expiry and the full digest', () => {
    const requested = approvalRequested({ amount: { value: '12500.00', currency: 'EUR' }, dataSensitivity: 'confidential' });
    const text = allText(approvalCard({ requested, approvals: 1, votes: [] }));
    for (const expected of [
      'http.request',
      'demo-target',
      'staging',
      '12500.00 EUR',
      'confidential',
      'requester:deploy-bot',
      'two-person (prod-changes)',
      '1 of 2 approvals',
      'sre, payments-leads',
      '2026-11-21T10:30:00.000Z',
      'sha256:ab12ab12ab12…',
      requested.digest,
      '/migrate',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('marks break-glass and an escalation', () => {
    const requested = approvalRequested({ breakGlass: true });
    const text = allText(
      approvalCard({ ...pending(), requested, escalation: { addedGroups: ['cto-office'], expiresAt: '2026-11-21T11:00:00.000Z' } }),
    );
    expect(text).toContain('Break-glass');
    expect(text).toMatch(/Escalated.*cto-office.*2026-11-21T11:00:00.000Z/);
    expect(allText(approvalCard(pending()))).not.toMatch(/Break-glass|Escalated/);
  });

  it('a step-up card has no Approve button, keeps Deny, and gives the exact CLI command', () => {
    const requested = approvalRequested({}, { stepUp: true });
    const card = approvalCard({ requested, approvals: 0, votes: [] });
    expect(buttons(card.blocks).map((button) => button.action_id)).toEqual([CARD_IDS.denyAction]);
    const command = `npx countersign vote --as &lt;approver&gt; --request ${requested.requestId} --digest ${requested.digest} --rendering ${requested.renderingDigest} --approve`;
    expect(mrkdwnTexts(card.blocks).join('\n')).toContain(command);
    expect(allText(card)).toContain('A Slack click cannot approve this tier');
  });

  it('lists votes so far with voter, decision, channel and reason', () => {
    const votes = [
      { voter: 'approver:alice', decision: 'approve' as const, via: 'slack' as const, reason: 'CHG-118' },
      { voter: 'approver:bob', decision: 'deny' as const, via: 'signed' as const },
    ];
    const text = mrkdwnTexts(approvalCard(pending({ approvals: 1, votes })).blocks).join('\n');
    expect(text).toContain('• approver:alice: :white_check_mark: approve (via Slack) — “CHG-118”');
    expect(text).toContain('• approver:bob: :x: deny (signed with own key)');
  });

  describe('outcomes', () => {
    const at = '2026-11-21T10:12:00.000Z';

    it('approved: no buttons, no input, who approved', () => {
      const card = approvalCard(pending({ approvals: 2, outcome: { kind: 'approved', at, by: ['approver:alice', 'approver:carol'] } }));
      expect(buttons(card.blocks)).toEqual([]);
      expect(card.blocks.some((block) => block.type === 'input')).toBe(false);
      expect(card.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Approved: http.request' } });
      expect(allText(card)).toContain(`*Approved* by approver:alice, approver:carol at ${at}.`);
    });

    it('denied: no buttons, who denied and why', () => {
      const card = approvalCard(pending({ outcome: { kind: 'denied', at, by: ['approver:bob'], reason: 'no change ticket' } }));
      expect(buttons(card.blocks)).toEqual([]);
      expect(card.blocks[0]).toMatchObject({ text: { text: 'Denied: http.request' } });
      expect(allText(card)).toContain(`*Denied* by approver:bob at ${at}.\\nReason: no change ticket`);
    });

    it('expired: no buttons, and it never reads as denied', () => {
      const card = approvalCard(pending({ approvals: 1, outcome: { kind: 'expired', at, by: [] } }));
      expect(buttons(card.blocks)).toEqual([]);
      expect(card.blocks[0]).toMatchObject({ text: { text: 'Expired: http.request' } });
      expect(allText(card)).toContain(`*Expired* at ${at} with 1 of 2 approvals`);
      expect(allText(card).toLowerCase()).not.toMatch(/deni|deny/);
      expect(card.text.startsWith('Expired:')).toBe(true);
    });
  });

  describe('escaping', () => {
    const hostile = '<!channel> <@U0BOSS> <https://evil.example|click here> & more';

    it('escapes mention and link injection in parameters, reasons and names', () => {
      const requested = approvalRequested({ parameters: { note: hostile, [hostile]: 1 } });
      const votes = [{ voter: hostile, decision: 'approve' as const, via: 'slack' as const, reason: hostile }];
      const card = approvalCard({ requested, approvals: 1, votes, outcome: { kind: 'denied', at: 'x', by: [hostile], reason: hostile } });
      const texts = [...mrkdwnTexts(card.blocks), card.text];
      expect(texts.join('\n')).toContain('&lt;!channel&gt;');
      for (const text of texts) {
        // Our own markup never uses < or >, so any left would be someone else's link or mention.
        expect(text).not.toMatch(/[<>]/);
        expect(text).not.toMatch(/&(?!(amp|lt|gt);)/);
      }
    });

    it('marks every mrkdwn text verbatim, so Slack does not auto-link it', () => {
      const objects: unknown[] = [];
      JSON.stringify(approvalCard(pending()).blocks, (_key, value: unknown) => {
        if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'mrkdwn') objects.push(value);
        return value;
      });
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) expect(object).toMatchObject({ verbatim: true });
    });
  });

  describe('what the registry and the change intent say', () => {
    it("shows the registry's environment, sensitivity and owner team, and the change intent, escaped", () => {
      const intent = { ticket: 'CHG-1042', expectedOutcome: 'p99 <50 ms', rollbackPlan: 'revert & *restart*' };
      const texts = mrkdwnTexts(approvalCard(pending({ requested: approvalRequested({ intent }) })).blocks).join('\n');
      expect(texts).toContain('in `staging`\nOwner: platform');
      expect(texts).toContain('*Data sensitivity*\nconfidential');
      expect(texts).toContain('  ticket: "CHG-1042"');
      expect(texts).toContain('  expectedOutcome: "p99 &lt;50 ms"');
      expect(texts).toContain('  rollbackPlan: "revert &amp; *restart*"');
    });

    it("shows an agent workload's verified run and the human it acts for, and no agent section for anyone else", () => {
      const agent = {
        workload: 'requester:ops-agent',
        runId: 'run_42',
        taskScope: 'deploy-staging',
        onBehalfOf: 'approver:dave',
        runExpiresAt: '2026-11-21T10:30:00.000Z',
      };
      const texts = mrkdwnTexts(approvalCard(pending({ requested: approvalRequested({}, { agent }) })).blocks).join('\n');
      expect(texts).toContain(
        '*Agent run* (verified by intake before this card was posted)\nWorkload: requester:ops-agent\nOn behalf of: approver:dave\n' +
          'Run: `run_42` in scope `deploy-staging`, until 2026-11-21T10:30:00.000Z',
      );
      expect(mrkdwnTexts(approvalCard(pending()).blocks).join('\n')).not.toContain('Agent run');
    });

    it('says when no change intent was given', () => {
      const texts = mrkdwnTexts(approvalCard(pending()).blocks).join('\n');
      expect(texts).toContain('\nintent: {} (no fields)\n');
    });
  });

  describe('Slack limits', () => {
    it('holds for a huge action and a crowd of long votes', () => {
      const huge = '<&>'.repeat(1365);
      const parameters = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}-${'x'.repeat(120)}`, [huge, huge]]));
      const intent = { ticket: '<'.repeat(64), expectedOutcome: '&'.repeat(1000), rollbackPlan: '>'.repeat(2000) };
      const requested = approvalRequested(
        { kind: `a.${'b'.repeat(60)}`, parameters, intent },
        { eligibleGroups: Array.from({ length: 300 }, (_, i) => `group-${i}-${'g'.repeat(40)}`) },
      );
      const votes = Array.from({ length: 200 }, (_, i) => ({
        voter: `approver:${'v'.repeat(90)}${i}`,
        decision: 'deny' as const,
        via: 'slack' as const,
        reason: '<'.repeat(500),
      }));
      for (const outcome of [undefined, { kind: 'denied' as const, at: 'now', by: votes.map((vote) => vote.voter), reason: huge }]) {
        const card = approvalCard({
          requested,
          approvals: 0,
          votes,
          escalation: { addedGroups: requested.eligibleGroups, expiresAt: 'later' },
          ...(outcome ? { outcome } : {}),
        });
        expectWithinSlackLimits(card);
      }
    });

    it('says how many votes it could not show', () => {
      const votes = Array.from({ length: 200 }, (_, i) => ({
        voter: `approver:a${i}`,
        decision: 'approve' as const,
        via: 'slack' as const,
        reason: 'r'.repeat(300),
      }));
      const text = mrkdwnTexts(approvalCard(pending({ votes })).blocks).join('\n');
      const shown = (text.match(/^• /gm) ?? []).length;
      expect(shown).toBeGreaterThan(0);
      expect(text).toContain(`… and ${200 - shown} more`);
    });

    it('keeps a pending card within limits too', () => {
      expectWithinSlackLimits(approvalCard(pending()));
    });
  });
});
