import { EventTypes } from '@countersign/contracts';
import { EvidenceRecordedType } from '@countersign/executor-domain';
import { clockAfter, inboundOf, InProcessService, recordHonestFlows, type RecordedFlows } from '@countersign/stack/redelivery';
import { ExecutorModule } from './executor.module';
import { ExecutorService } from './executor.service';
import { recordingTarget } from './testing/recording-target';

/**
 * The link that completes a request's chain is not recorded when the claim decided with it is. When
 * deciding throws every time (no decryption key, openCredential failing), the message ends
 * dead-lettered: the link must have been recorded by then, or no later link could complete the chain.
 */
describe('executor: a completing link whose claim cannot be decided yet', () => {
  let flows: RecordedFlows;

  beforeAll(async () => {
    flows = await recordHonestFlows();
  }, 180_000);

  afterAll(() => flows?.remove());

  it('is recorded when deciding with it throws, and a later link completes the request', async () => {
    const messages = inboundOf(flows, 'executor', flows.requestIds.auto);
    const probe = await recordingTarget();
    const service = await InProcessService.start({
      service: 'executor',
      module: ExecutorModule.register,
      home: flows.home,
      clock: clockAfter(flows),
      ...(probe.env ? { env: probe.env } : {}),
    });
    const events = () => service.events();
    const failing = jest
      .spyOn(ExecutorService.prototype as never, 'claimAndRun')
      .mockRejectedValue(new Error('no decryption key') as never);
    try {
      // In order until the first delivery whose deciding throws: that link completes the chain.
      let at = 0;
      while (at < messages.length && (await service.deliver(messages[at]!, 1)) === 'ack') at += 1;
      const link = messages[at];
      if (!link || at === 0) throw new Error('no link of the recorded flow completed the chain after another');
      for (const count of [2, 3]) expect(await service.deliver(link, count)).toBe('nak');
      failing.mockRestore();
      const recorded = (await events()).filter((event) => event.type === EvidenceRecordedType);
      expect(recorded.map((event) => (event.data as { envelope: { id: string } }).envelope.id)).toContain(link.envelope.id);
      expect((await events()).map((event) => event.type)).not.toContain(EventTypes.ExecutionStarted);
      // A later trigger: an earlier link delivered again finds the chain complete.
      expect(await service.deliver(messages[0]!, 2)).toBe('ack');
      const types = (await events()).filter((event) => event.stream.startsWith('execution-')).map((event) => event.type);
      expect(types).toEqual([EventTypes.ExecutionStarted, EventTypes.ExecutionSucceeded]);
      expect(probe.read()).toHaveLength(1);
    } finally {
      failing.mockRestore();
      await service.close();
      await probe.close();
    }
  }, 60_000);
});
