import { Controller, Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type Envelope } from '@countersign/contracts';
import { JETSTREAM_TRANSPORT } from '@countersign/messaging';
import { ExecutorService } from './executor.service';

type Link = Envelope<{ requestId: string }>;

/** The three links of the chain and audit's receipt may arrive in any order, each on its own consumer. */
@Controller()
export class ExecutorHandlers implements OnApplicationBootstrap {
  constructor(@Inject(ExecutorService) private readonly executor: ExecutorService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.executor.reconcileInDoubt();
  }

  /** Each link, and audit's receipt that it chained the approval (nothing runs without it): one handler per type, all the same. */
  @EventPattern(
    [EventTypes.RequestAccepted, EventTypes.RequestApproved, EventTypes.CredentialIssued, EventTypes.AuditReceipt],
    JETSTREAM_TRANSPORT,
  )
  onEvidence(@Payload() envelope: Link): Promise<void> {
    return this.executor.onEvidence(envelope);
  }
}
