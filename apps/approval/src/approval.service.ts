import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, RequestAcceptedV1, VoteCastV1 } from '@countersign/contracts';
import { approvalDecider, streamFor, type PeopleFacts } from '@countersign/approval-domain';
import { evaluatePolicy, formatPolicyErrors, parsePolicy, type Policy } from '@countersign/policy';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

/**
 * Approval's use cases around the pure decider. The policy is read once at start-up; a policy that
 * fails to load stops the service (fail closed) instead of approving under an unknown rule set.
 */
@Injectable()
export class ApprovalService {
  readonly policy: Policy;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    const file = runtime.config.policyFile;
    const parsed = parsePolicy(readFileSync(file, 'utf8'), file);
    if (!parsed.ok) throw new Error(`approval policy does not load:\n${formatPolicyErrors(parsed.errors)}`);
    this.policy = parsed.policy;
    runtime.logger.log(`policy ${this.policy.label} (${this.policy.version}) from ${file}`);
  }

  async open(accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    const now = this.runtime.clock();
    const command = {
      type: 'OpenApproval' as const,
      accepted: accepted.data,
      acceptedEventId: accepted.id,
      policyDecision: evaluatePolicy(this.policy, accepted.data, now.toISOString()),
      people: this.peopleFacts(accepted.data.requester),
      now: now.toISOString(),
    };
    await this.runtime.runner.run(approvalDecider, streamFor(accepted.data.requestId), command, { id: accepted.id, now });
  }

  async vote(vote: Envelope<VoteCastV1>): Promise<void> {
    const now = this.runtime.clock();
    const command = { type: 'CastVote' as const, voteId: vote.id, voter: vote.signer, vote: vote.data, now: now.toISOString() };
    await this.runtime.runner.run(approvalDecider, streamFor(vote.data.requestId), command, { id: vote.id, now });
  }

  async expireIfDue(requestId: string): Promise<void> {
    const now = this.runtime.clock();
    const command = { type: 'ExpireIfDue' as const, requestId, now: now.toISOString() };
    await this.runtime.runner.run(approvalDecider, streamFor(requestId), command, { id: `expiry:${requestId}`, now });
  }

  /** People behind identities, from the registry: an owner may not approve its agent's requests. */
  private peopleFacts(requester: string): PeopleFacts {
    const { registry } = this.runtime;
    const owner = registry.requesters.find((candidate) => `requester:${candidate.name}` === requester)?.owner;
    const personOf = Object.fromEntries(registry.approvers.map((approver) => [`approver:${approver.name}`, approver.person]));
    return { requesterOwner: owner, personOf };
  }
}
