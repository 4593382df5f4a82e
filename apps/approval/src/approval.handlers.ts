import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type Envelope, type RequestAcceptedV1, type VoteCastV1 } from '@countersign/contracts';
import { JETSTREAM_TRANSPORT } from '@countersign/messaging';
import { ApprovalService } from './approval.service';

@Controller()
export class ApprovalHandlers {
  constructor(private readonly approval: ApprovalService) {}

  @EventPattern(EventTypes.RequestAccepted, JETSTREAM_TRANSPORT)
  onAccepted(@Payload() accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    return this.approval.open(accepted);
  }

  /** Votes from approver bots, the CLI, or the Slack edge; each signed by the approver's own key. */
  @EventPattern(EventTypes.VoteCast, JETSTREAM_TRANSPORT)
  onVote(@Payload() vote: Envelope<VoteCastV1>): Promise<void> {
    return this.approval.vote(vote);
  }
}
