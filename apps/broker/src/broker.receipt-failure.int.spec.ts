import { EventTypes } from '@countersign/contracts';
import { ReceiptRecordedType } from '@countersign/broker-domain';
import { clockAfter, inboundOf, InProcessService, recordHonestFlows, type RecordedFlows } from '@countersign/stack/redelivery';
import { BrokerModule } from './broker.module';
import { BrokerService, PARKED_APPROVAL } from './broker.service';

/**
 * Audit's receipt is not kept when the approval parked waiting for it is answered with it at once.
 * When answering throws every time (a grant issuer down, no key), the message ends dead-lettered:
 * the receipt must have been kept by then, or no later trigger (the accepted request redelivered,
 * the window timer) could ever answer the approval.
 */
describe('broker: a receipt whose approval cannot be answered yet', () => {
  let flows: RecordedFlows;

  beforeAll(async () => {
    flows = await recordHonestFlows();
  }, 180_000);

  afterAll(() => flows?.remove());

  it('is kept when deciding with it throws, and a later trigger issues with it', async () => {
    const messages = inboundOf(flows, 'broker', flows.requestIds.auto);
    const at = messages.findIndex((message) => message.envelope.type === EventTypes.AuditReceipt);
    const accepted = messages.find((message) => message.envelope.type === EventTypes.RequestAccepted);
    if (at < 0 || !accepted) throw new Error('the recorded flow has no receipt or no accepted request for the broker');
    const receipt = messages[at]!;
    const service = await InProcessService.start({
      service: 'broker',
      module: BrokerModule.register,
      home: flows.home,
      clock: clockAfter(flows),
    });
    const types = async () => (await service.events()).map((event) => event.type);
    try {
      for (const message of messages.slice(0, at)) expect(await service.deliver(message, 1)).toBe('ack');
      expect(await types()).toContain(PARKED_APPROVAL);
      const down = jest.spyOn(BrokerService.prototype, 'onApproved').mockRejectedValue(new Error('grant issuer down'));
      try {
        for (const count of [1, 2, 3]) expect(await service.deliver(receipt, count)).toBe('nak');
      } finally {
        down.mockRestore();
      }
      const kept = (await service.events()).filter((event) => event.type === ReceiptRecordedType);
      expect(kept.map((event) => (event.data as { receipt: { id: string } }).receipt.id)).toEqual([receipt.envelope.id]);
      expect(await types()).not.toContain(EventTypes.CredentialIssued);
      // A later trigger: the accepted request redelivered decides the parked approval again.
      expect(await service.deliver(accepted, 2)).toBe('ack');
      expect((await types()).filter((type) => type === EventTypes.CredentialIssued)).toHaveLength(1);
    } finally {
      await service.close();
    }
  }, 60_000);
});
