import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type AuditReceiptV1, type Envelope, type RequestAcceptedV1, type RequestApprovedV1 } from '@countersign/contracts';
import { JETSTREAM_TRANSPORT } from '@countersign/messaging';
import { BrokerService } from './broker.service';

type Finished = Envelope<{ requestId: string }>;

@Controller()
export class BrokerHandlers {
  constructor(private readonly broker: BrokerService) {}

  @EventPattern(EventTypes.RequestAccepted, JETSTREAM_TRANSPORT)
  onAccepted(@Payload() accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    return this.broker.recordAccepted(accepted);
  }

  @EventPattern(EventTypes.RequestApproved, JETSTREAM_TRANSPORT)
  onApproved(@Payload() approval: Envelope<RequestApprovedV1>): Promise<void> {
    return this.broker.onApproved(approval);
  }

  /** Audit's word that it chained an approval: the gate before any credential. */
  @EventPattern(EventTypes.AuditReceipt, JETSTREAM_TRANSPORT)
  onReceipt(@Payload() receipt: Envelope<AuditReceiptV1>): Promise<void> {
    return this.broker.onReceipt(receipt);
  }

  /** Whatever the outcome, a finished execution ends the credential's life at once. */
  @EventPattern([EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed, EventTypes.ExecutionInDoubt], JETSTREAM_TRANSPORT)
  onFinished(@Payload() event: Finished): Promise<void> {
    return this.broker.revokeOnCompletion(event.data.requestId, event.id);
  }
}
