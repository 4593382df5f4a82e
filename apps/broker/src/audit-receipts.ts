import type { AuditReceiptV1, Envelope } from '@countersign/contracts';
import { receiptDecider, receiptStream } from '@countersign/broker-domain';
import type { ServiceRuntime } from '@countersign/service-runtime';

/** The broker's copy of audit's receipts, per request, read by BrokerService before it issues. */
export class AuditReceipts {
  constructor(private readonly runtime: Pick<ServiceRuntime, 'runner' | 'clock'>) {}

  async record(receipt: Envelope<AuditReceiptV1>): Promise<void> {
    const stream = receiptStream(receipt.data.requestId);
    await this.runtime.runner.run(
      receiptDecider,
      stream,
      { type: 'RecordReceipt', receipt },
      { id: receipt.id, now: this.runtime.clock() },
    );
  }

  /** The receipts kept for the request, and `arrived` (one being delivered, not kept yet) if given. */
  async held(requestId: string, arrived?: Envelope<AuditReceiptV1>): Promise<readonly Envelope<AuditReceiptV1>[]> {
    const { receipts } = await this.runtime.runner.load(receiptDecider, receiptStream(requestId));
    return arrived && !receipts.some((kept) => kept.id === arrived.id) ? [...receipts, arrived] : receipts;
  }
}
