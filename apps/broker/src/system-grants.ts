import { randomUUID } from 'node:crypto';
import type { Envelope, RequestApprovedV1, SystemGrant } from '@countersign/contracts';
import { credentialDecider, credentialStream, grantRevocationDue, type CredentialState } from '@countersign/broker-domain';
import type { ServiceRuntime } from '@countersign/service-runtime';
import type { CredentialIssuers, GrantRequest } from './issuers';

/** What the credential carries: its id, and for system-backed kinds the grant and the secret to seal. */
export type CredentialPlan =
  { ok: true; credentialId: string; grant?: SystemGrant; secret?: unknown } | { ok: false; code: 'grant_refused'; message: string };

/**
 * Grants on real systems, around the credential decider (issue 13). The order is what makes them
 * safe: the grant's handle is recorded (local `grant.intended`) before the system is called, so a
 * broker killed between the call and `credential.issued` still finds and revokes it; revocation on
 * the system is due work (revocation.timer.ts) recorded as `grant.revoked` once it succeeded.
 */
export class SystemGrants {
  constructor(
    private readonly runtime: Pick<ServiceRuntime, 'runner' | 'store' | 'registry' | 'clock' | 'logger'>,
    private readonly issuers: CredentialIssuers,
  ) {}

  /** Makes (or, for a redelivered approval, re-makes) the grant this credential needs, if its kind needs one. */
  async plan(
    state: CredentialState,
    approval: Envelope<RequestApprovedV1>,
    terms: { notBefore: string; expiresAt: string },
    now: Date,
  ): Promise<CredentialPlan> {
    const action = state.accepted?.data.action;
    const issuer = action && this.issuers.forKind(action.kind);
    if (!action || !issuer) return { ok: true, credentialId: randomUUID() };
    const target = this.runtime.registry.targets.find((candidate) => candidate.name === action.target);
    if (!target) return refused(`${action.target} is not in the broker's target registry`);
    if (state.grantRevoked) return refused(`the grant for this request was already revoked (${state.grantRevoked.reason})`);
    const { requestId } = approval.data;
    const request: GrantRequest = { requestId, credentialId: state.grant?.credentialId ?? randomUUID(), action, target, ...terms };
    const plan = issuer.prepare(request);
    if (!plan.ok) return refused(plan.message);
    const intended = state.grant ?? (await this.intend(request, plan.handle, now));
    const grant = intended.grant;
    // The intent must be on disk before the system is called: under group commit its append may
    // have resolved ahead of its commit, and an intent lost in a crash leaves a grant nothing revokes.
    await this.runtime.store.flush?.();
    const issued = await issuer.issue({ ...request, credentialId: intended.credentialId }, grant.handle);
    if (issued.handle !== grant.handle) throw new Error(`issuer for ${grant.kind} made ${issued.handle}, not the intended ${grant.handle}`);
    return { ok: true, credentialId: intended.credentialId, grant, secret: issued.secret };
  }

  /** Records the intent, then reads it back: a racing handler may have recorded its own first, and that one wins. */
  private async intend(request: GrantRequest, handle: string, now: Date) {
    const stream = credentialStream(request.requestId);
    const command = {
      type: 'IntendGrant' as const,
      requestId: request.requestId,
      credentialId: request.credentialId,
      target: request.target.name,
      grant: { kind: request.action.kind, handle },
      expiresAt: request.expiresAt,
      now: now.toISOString(),
    };
    await this.runtime.runner.run(credentialDecider, stream, command, { id: `grant:${request.credentialId}`, now });
    const state = await this.runtime.runner.load(credentialDecider, stream);
    if (!state.grant) throw new Error(`the grant for ${request.requestId} was not recorded`);
    return state.grant;
  }

  /**
   * Revokes the grant on its system when that is due, then records it. Throws while the system
   * cannot be reached (or its issuer is gone): the timer tries again, and a restart rebuilds it.
   */
  async revokeIfDue(requestId: string): Promise<void> {
    const stream = credentialStream(requestId);
    const now = this.runtime.clock();
    const due = grantRevocationDue(await this.runtime.runner.load(credentialDecider, stream), now.toISOString());
    if (!due) return;
    const issuer = this.issuers.forKind(due.grant.kind);
    const target = this.runtime.registry.targets.find((candidate) => candidate.name === due.target);
    if (!issuer || !target)
      throw new Error(`cannot revoke ${due.grant.kind} grant ${due.grant.handle} on ${due.target}: no issuer or target`);
    await issuer.revoke({ kind: due.grant.kind, handle: due.grant.handle, target });
    const done = this.runtime.clock();
    const command = { type: 'RecordGrantRevoked' as const, requestId, now: done.toISOString() };
    await this.runtime.runner.run(credentialDecider, stream, command, { id: `grant-revoked:${due.credentialId}`, now: done });
    this.runtime.logger.log(`revoked ${due.grant.kind} grant ${due.grant.handle} on ${due.target} (${due.reason})`);
  }
}

const refused = (message: string): CredentialPlan => ({ ok: false, code: 'grant_refused', message });
