import type { ApprovalFacts } from '@countersign/approval-evidence';
import type { CredentialIssuedV1, Envelope, EXECUTION_REFUSAL_CODES, RequestAcceptedV1, RequestApprovedV1 } from '@countersign/contracts';

export type ExecutionRefusalCode = (typeof EXECUTION_REFUSAL_CODES)[number];
export type Refusal = { ok: false; code: ExecutionRefusalCode; message: string };

export const refuse = (code: ExecutionRefusalCode, message: string): Refusal => ({ ok: false, code, message });

/** The claims of the broker's execution JWT, as the shell's verifier returned them. */
export interface CredentialClaims {
  iss: string;
  sub?: string;
  aud: string | readonly string[];
  jti: string;
  nbf: number;
  exp: number;
  cs_req: string;
  cs_dig: string;
  cs_tgt: string;
}

/** The outcome of opening the sealed box and verifying the JWT's signature (crypto stays in the shell). */
export interface OpenedCredential {
  opened: boolean;
  claims?: CredentialClaims;
  error?: string;
}

export interface ChainCheckInput {
  now: string;
  executorId: string;
  /** The shell opened the sealed box and verified the JWT; this is what came out. */
  credential: OpenedCredential;
  /** Action kinds an adapter exists for; omit to leave that decision to the shell. */
  supportedKinds?: readonly string[];
  /** What the shell gathered to re-check the approval against the pinned policy (recheckedApproval). */
  approvalFacts: ApprovalFacts;
}

/** The three links, known to be present. */
export interface Chain {
  accepted: Envelope<RequestAcceptedV1>;
  approved: Envelope<RequestApprovedV1>;
  issued: Envelope<CredentialIssuedV1>;
  digest: string;
}
