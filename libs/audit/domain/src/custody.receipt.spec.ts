import { EventTypes } from '@countersign/contracts';
import { checkCustody } from './custody';
import { IDS, fullChain, withData } from './testing/custody.fixtures';

describe('checkCustody: audit receipt before the credential', () => {
  it('verifies a chain whose credential follows audit’s receipt for the approval', () => {
    expect(checkCustody(Object.values(fullChain()))).toMatchObject({ ok: true });
  });

  it('waits for a receipt not recorded yet, and names it', () => {
    const events = Object.values(fullChain()).filter((event) => event.type !== EventTypes.AuditReceipt);
    expect(checkCustody(events)).toStrictEqual({
      ok: false,
      incomplete: true,
      violations: [{ code: 'missing_event', message: 'no receipt event was recorded' }],
    });
  });

  it('raises a violation when the credential was issued before audit signed its receipt', () => {
    const chain = fullChain();
    const events = withData(chain, 'receipt', {}, { time: '2026-11-21T10:00:00.000Z' });
    expect(checkCustody(events)).toStrictEqual({
      ok: false,
      incomplete: false,
      violations: [
        {
          code: 'audit_receipt_invalid',
          message: `credential ${IDS.issued} was issued at ${chain.issued.time}, before audit's receipt ${chain.receipt.id} at 2026-11-21T10:00:00.000Z`,
        },
      ],
    });
  });

  it('raises a violation when the receipt names another digest', () => {
    const chain = fullChain();
    const events = withData(chain, 'receipt', { digest: 'f'.repeat(64) });
    expect(checkCustody(events)).toMatchObject({
      ok: false,
      violations: [
        { code: 'audit_receipt_invalid', message: `receipt ${chain.receipt.id} names another digest than approval ${IDS.approved}` },
      ],
    });
  });
});
