import { actionDigest, EventTypes, renderAction, renderingDigest, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { fixtureAction, fixtureEnvelope, FIXTURE_REQUEST_ID } from '@countersign/contracts/testing';
import type { ExaminedEntry } from './entries';
import { formatShown, shownToApprovers } from './shown';

const hostile = { ...fixtureAction, parameters: { note: 'ok\nenvironment: "production"' } };
const rendering = renderAction(hostile);

function requestedEntry(data: Record<string, unknown>, verified = true): ExaminedEntry {
  const envelope = fixtureEnvelope({
    id: FIXTURE_REQUEST_ID,
    type: EventTypes.ApprovalRequested,
    signer: 'service:approval',
    time: 'x',
    data,
  });
  const parsed = { requestId: FIXTURE_REQUEST_ID, event: envelope as unknown as Envelope } as unknown as AuditRecordV1;
  const event = verified ? { ok: true as const, envelope } : { ok: false as const, code: 'bad_signature', message: 'no' };
  return { origin: 'test', record: parsed, parsed, event } as unknown as ExaminedEntry;
}

const requested = (extra: Record<string, unknown> = {}) => ({
  requestId: FIXTURE_REQUEST_ID,
  digest: actionDigest(hostile),
  action: hostile,
  rendering,
  renderingDigest: renderingDigest(rendering),
  ...extra,
});

describe('what countersign status shows approvers', () => {
  it('prints the full rendering, line by line, both digests and the vote command naming them', () => {
    const shown = shownToApprovers(FIXTURE_REQUEST_ID, [requestedEntry(requested())]);
    expect(shown).toMatchObject({ ok: true, rendering, renderingDigest: renderingDigest(rendering) });
    const lines = formatShown(shown!);
    expect(lines).toContain('  |   note: "ok\\u000aenvironment: \\"production\\""');
    expect(lines.filter((line) => line.startsWith('  | '))).toHaveLength(rendering.split('\n').length);
    expect(lines.at(-1)).toContain(`--digest ${actionDigest(hostile)} --rendering ${renderingDigest(rendering)}`);
  });

  it('renders the action itself when the request carried only the digest', () => {
    const withoutText = requested();
    delete (withoutText as { rendering?: string }).rendering;
    expect(shownToApprovers(FIXTURE_REQUEST_ID, [requestedEntry(withoutText)])).toMatchObject({ ok: true, rendering });
  });

  it('shows nothing it cannot vouch for: an unverified request, or a text that does not hash to its digest', () => {
    expect(shownToApprovers(FIXTURE_REQUEST_ID, [requestedEntry(requested(), false)])).toMatchObject({ ok: false });
    const forged = shownToApprovers(FIXTURE_REQUEST_ID, [requestedEntry(requested({ rendering: 'something else' }))]);
    expect(forged).toMatchObject({ ok: false });
    expect(formatShown(forged!).join('\n')).toContain('do not vote on it');
  });

  it('has nothing to say when no approval was requested', () => {
    expect(shownToApprovers(FIXTURE_REQUEST_ID, [])).toBeUndefined();
  });
});
