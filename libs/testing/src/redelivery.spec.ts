import fc from 'fast-check';
import { deliverAll, deliverInOrder, deliveryPlans, type Inbound, type Settlement } from './redelivery';

/** Three consumers; message 4 answers something the service emits once it has handled message 0. */
const acked = new Set<number>();
const inbound: Inbound[] = [
  { consumer: 'a' },
  { consumer: 'b' },
  { consumer: 'a' },
  { consumer: 'c' },
  { consumer: 'b', ready: () => acked.has(0) },
  { consumer: 'a' },
];

async function record(plan: Parameters<typeof deliverAll>[1], settle: (index: number, count: number) => Settlement = () => 'ack') {
  const log: Array<{ index: number; count: number; settlement: Settlement }> = [];
  acked.clear();
  const report = await deliverAll(inbound, plan, (index, count) => {
    const settlement = settle(index, count);
    if (settlement === 'ack') acked.add(index);
    log.push({ index, count, settlement });
    return Promise.resolve(settlement);
  });
  return { log, report };
}

describe('redelivery plans', () => {
  it('deliver each message as often as planned, first deliveries in bus order per consumer, answers after what they answer', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryPlans(inbound.length), async (plan) => {
        const { log, report } = await record(plan);
        inbound.forEach((_, index) => expect(log.filter((entry) => entry.index === index)).toHaveLength(plan.copies[index]!));
        const firsts = log.filter((entry) => entry.count === 1).map((entry) => entry.index);
        for (const consumer of ['a', 'b', 'c']) {
          const order = firsts.filter((index) => inbound[index]!.consumer === consumer);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
        expect(firsts.indexOf(4)).toBeGreaterThan(firsts.indexOf(0));
        expect(log.map((entry) => entry.count)).toEqual(
          log.map((entry, at) => log.slice(0, at + 1).filter((e) => e.index === entry.index).length),
        );
        expect(report).toMatchObject({ deliveries: log.length, naks: 0, terminated: [] });
      }),
    );
  });

  it('bring a nak’d message back later until it succeeds, while the others go on', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryPlans(inbound.length), async (plan) => {
        // Message 3 fails until message 5 (another consumer) has been handled: a prerequisite.
        let handled5 = false;
        const { log, report } = await record(plan, (index) => {
          if (index === 5) handled5 = true;
          return index === 3 && !handled5 ? 'nak' : 'ack';
        });
        const last3 = log.filter((entry) => entry.index === 3).at(-1)!;
        expect(last3.settlement).toBe('ack');
        expect(report.naks).toBe(log.filter((entry) => entry.settlement === 'nak').length);
      }),
    );
  });

  it('report a message that can never succeed as stuck instead of looping', async () => {
    await expect(record({ copies: [1, 1, 1, 1, 1, 1], picks: [0] }, (index) => (index === 2 ? 'nak' : 'ack'))).rejects.toThrow(/stuck/);
  });

  it('deliver once in bus order, a nak’d message going to the back', async () => {
    const order: number[] = [];
    let failed = false;
    await deliverInOrder(4, (index) => {
      order.push(index);
      if (index !== 1 || failed) return Promise.resolve('ack');
      failed = true;
      return Promise.resolve('nak');
    });
    expect(order).toEqual([0, 1, 2, 3, 1]);
  });
});
