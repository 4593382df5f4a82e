import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type Envelope } from '@countersign/contracts';
import { JetStreamErrorFilter, JETSTREAM_TRANSPORT, type JetStreamContext } from '@countersign/messaging';
import { IntakeService } from './intake.service';

/** Submissions from upstream systems, one subject per requester: `cs.submit.<name>`. */
@Controller()
@UseFilters(new JetStreamErrorFilter())
export class SubmissionsHandler {
  constructor(private readonly intake: IntakeService) {}

  @EventPattern(EventTypes.RequestSubmitted, JETSTREAM_TRANSPORT)
  async onSubmission(@Payload() envelope: Envelope, @Ctx() context: JetStreamContext): Promise<void> {
    const subjectRequester = context.subject.split('.').at(-1) ?? '';
    await this.intake.submit(envelope, subjectRequester);
  }
}
