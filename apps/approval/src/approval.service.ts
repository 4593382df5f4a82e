import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, RequestAcceptedV1, VoteCastV1, VoteRelayedV1 } from '@countersign/contracts';
import { approvalDecider, streamFor, type CastVote } from '@countersign/approval-domain';
import { decideRequest, loadPolicyBundleOrThrow, peopleFactsOf, type PolicyBundle } from '@countersign/policy-engine';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { relayedVoter } from './relayed-voter';

/**
 * Approval's use cases around the pure decider. The policy (tier file and its Cedar file) is read
 * once at start-up; a policy that fails to load stops the service (fail closed) instead of
 * approving under an unknown rule set. Cedar runs here, in the shell, and the decider gets its
 * answers as data.
 */
@Injectable()
export class ApprovalService {
  readonly policy: PolicyBundle;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.policy = loadPolicyBundleOrThrow(runtime.config.policyFile);
    const { policy, files } = this.policy;
    runtime.logger.log(`policy ${policy.label} (${policy.version}) from ${files.policy} and ${files.cedar}`);
  }

  async open(accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    const now = this.runtime.clock();
    const people = peopleFactsOf(this.runtime.registry, accepted.data.requester);
    const { decision } = decideRequest(this.policy, accepted.data, people, now.toISOString());
    const command = {
      type: 'OpenApproval' as const,
      accepted: accepted.data,
      acceptedEventId: accepted.id,
      policyDecision: decision,
      people,
      now: now.toISOString(),
    };
    await this.runtime.runner.run(approvalDecider, streamFor(accepted.data.requestId), command, { id: accepted.id, now });
  }

  /** A vote signed by the approver's own key: the signer is the voter. */
  async vote(vote: Envelope<VoteCastV1>): Promise<void> {
    await this.castVote(vote.id, { voter: vote.signer, via: 'signed', vote: vote.data, evidence: vote });
  }

  /**
   * A vote a channel (the Slack edge) relayed and signed. It counts for the approver the registry
   * maps the Slack user to, and only if that is the approver the edge named; otherwise it is
   * answered in the channel's name as unmapped.
   */
  async relayedVote(relayed: Envelope<VoteRelayedV1>): Promise<void> {
    const { approver: _approver, slack: _slack, ...vote } = relayed.data;
    const mapped = relayedVoter(this.runtime.registry, relayed.data);
    const voter = mapped.ok ? { voter: mapped.voter } : { voter: relayed.signer, unmapped: mapped.unmapped };
    await this.castVote(relayed.id, { ...voter, via: 'slack', vote, evidence: relayed });
  }

  private async castVote(voteId: string, cast: Pick<CastVote, 'voter' | 'via' | 'unmapped' | 'vote' | 'evidence'>): Promise<void> {
    const now = this.runtime.clock();
    const command: CastVote = { type: 'CastVote', voteId, ...cast, now: now.toISOString() };
    await this.runtime.runner.run(approvalDecider, streamFor(cast.vote.requestId), command, { id: voteId, now });
  }

  /** Escalates or expires a pending approval; escalates or flags an open break-glass review. */
  async checkDeadlines(requestId: string): Promise<void> {
    const now = this.runtime.clock();
    const command = { type: 'CheckDeadlines' as const, requestId, now: now.toISOString() };
    await this.runtime.runner.run(approvalDecider, streamFor(requestId), command, { id: `deadline:${requestId}`, now });
  }
}
