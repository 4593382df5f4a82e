import { EventTypes, type Envelope } from '@countersign/contracts';
import { AuditGateWatch } from './bus-metrics';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');

const handled = (type: string, id: string, data: object = {}) => ({
  envelope: { id, type, data } as unknown as Envelope,
  consumer: 'broker-audit',
  outcome: 'handled' as const,
  seconds: 0.01,
});

describe('AuditGateWatch', () => {
  it('measures how long the oldest approval has waited for audit’s receipt, and forgets it once the receipt came', () => {
    let now = T0;
    const gate = new AuditGateWatch(() => new Date(now));
    expect(gate.oldestWaitSeconds()).toBe(0);
    gate.observe(handled(EventTypes.RequestApproved, 'a1'));
    now += 5_000;
    gate.observe(handled(EventTypes.RequestApproved, 'a2'));
    now += 5_000;
    expect(gate.oldestWaitSeconds()).toBe(10);
    gate.observe(handled(EventTypes.AuditReceipt, 'r1', { approvedEventId: 'a1' }));
    expect(gate.oldestWaitSeconds()).toBe(5);
    gate.observe(handled(EventTypes.AuditReceipt, 'r2', { approvedEventId: 'a2' }));
    expect(gate.oldestWaitSeconds()).toBe(0);
    // A redelivered approval whose receipt already came does not wait again.
    gate.observe(handled(EventTypes.RequestApproved, 'a1'));
    now += 60_000;
    expect(gate.oldestWaitSeconds()).toBe(0);
  });

  it('ignores messages whose handler failed (they come again)', () => {
    const gate = new AuditGateWatch(() => new Date(T0));
    gate.observe({ ...handled(EventTypes.RequestApproved, 'a1'), outcome: 'failed' });
    expect(gate.oldestWaitSeconds()).toBe(0);
  });
});
