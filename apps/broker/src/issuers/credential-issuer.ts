import type { CanonicalAction, RegisteredTarget } from '@countersign/contracts';

/** What an issuer is asked to grant: the accepted (digested) action on a target the broker's own registry describes. */
export interface GrantRequest {
  requestId: string;
  credentialId: string;
  action: CanonicalAction;
  target: RegisteredTarget;
  notBefore: string;
  expiresAt: string;
}

/** Decided before the system is touched: the grant's public handle, or why it cannot be granted. */
export type GrantPlan = { ok: true; handle: string } | { ok: false; message: string };

/** A grant made on the system: `secret` is sealed to the executor only; `handle` is all revocation needs. */
export interface IssuedGrant {
  handle: string;
  /** JSON; never logged, never stored by the broker, published only inside the sealed box. */
  secret: unknown;
}

export interface GrantToRevoke {
  kind: string;
  handle: string;
  target: RegisteredTarget;
}

/**
 * The broker's port to a real system that backs credentials of some action kinds (issue 13):
 * PostgreSQL roles, SSH certificates. Implementations hold the standing admin credential the
 * broker alone has. `prepare` is pure and deterministic in the request (the handle is recorded
 * before `issue` runs); `issue` is idempotent for the same handle (a redelivered approval re-issues
 * the same grant); `revoke` is idempotent and throws while the system cannot be reached, so the
 * broker's due work retries it.
 */
export interface CredentialIssuer {
  readonly kinds: readonly string[];
  prepare(request: GrantRequest): GrantPlan;
  issue(request: GrantRequest, handle: string): Promise<IssuedGrant>;
  revoke(grant: GrantToRevoke): Promise<void>;
  close?(): Promise<void>;
}

/** Action kind -> issuer. A kind with no issuer (http.request, payment.transfer) gets the bearer JWT alone. */
export class CredentialIssuers {
  private readonly byKind = new Map<string, CredentialIssuer>();

  constructor(private readonly issuers: readonly CredentialIssuer[]) {
    for (const issuer of issuers)
      for (const kind of issuer.kinds) {
        if (this.byKind.has(kind)) throw new Error(`two credential issuers for ${kind}`);
        this.byKind.set(kind, issuer);
      }
  }

  forKind(kind: string): CredentialIssuer | undefined {
    return this.byKind.get(kind);
  }

  async close(): Promise<void> {
    for (const issuer of this.issuers) if (issuer.close) await issuer.close();
  }
}
