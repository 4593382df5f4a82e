import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import { JetStreamErrorFilter, JETSTREAM_TRANSPORT } from '@countersign/messaging';
import { IntakeService } from './intake.service';

/**
 * Dead letters of every service that handles a request (intake's own, approval's, the broker's,
 * the executor's, audit's): a genuine message some consumer gave up on must still end its request
 * visibly (issue 10). Which ones do is decided by `strandedBy` in the intake domain.
 */
@Controller()
@UseFilters(new JetStreamErrorFilter())
export class DeadLettersHandler {
  constructor(private readonly intake: IntakeService) {}

  @EventPattern(EventTypes.MessageDeadLettered, JETSTREAM_TRANSPORT)
  deadLettered(@Payload() event: Envelope<MessageDeadLetteredV1>): Promise<void> {
    return this.intake.deadLettered(event);
  }
}
