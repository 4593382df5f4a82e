import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type Envelope, type RequestAcceptedV1, type VoteCastV1, type VoteRelayedV1 } from '@countersign/contracts';
import { JETSTREAM_TRANSPORT } from '@countersign/messaging';
import { ApprovalService } from './approval.service';

@Controller()
export class ApprovalHandlers {
  constructor(private readonly approval: ApprovalService) {}

  @EventPattern(EventTypes.RequestAccepted, JETSTREAM_TRANSPORT)
  onAccepted(@Payload() accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    return this.approval.open(accepted);
  }

  /** Votes from approver bots or the CLI, each signed by the approver's own key. */
  @EventPattern(EventTypes.VoteCast, JETSTREAM_TRANSPORT)
  onVote(@Payload() vote: Envelope<VoteCastV1>): Promise<void> {
    return this.approval.vote(vote);
  }

  /**
   * Clicks the Slack edge relayed, signed by `channel:slack`. The transport already checked the
   * signature, that a channel may emit this type, and that it came on the channel's own subject.
   */
  @EventPattern(EventTypes.VoteRelayed, JETSTREAM_TRANSPORT)
  onRelayedVote(@Payload() relayed: Envelope<VoteRelayedV1>): Promise<void> {
    return this.approval.relayedVote(relayed);
  }
}
