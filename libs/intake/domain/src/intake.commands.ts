import type { Envelope, Outcome, RunAttestedV1, TargetRegistration, WorkloadRegistration } from '@countersign/contracts';
import type { Admission } from './budget.events';

/** What the identity registry says about the signer; undefined when it is not in the registry. */
export interface RequesterRegistration {
  registered: boolean;
  allowedKinds: readonly string[];
  allowedEnvironments: readonly string[];
  /** Present for an agent workload: its submissions need a run attestation within these scopes. */
  workload?: WorkloadRegistration;
}

/**
 * The submission's `run` as the shell verified it with the trust store (key, signer's right to the
 * type, signature, schema; no freshness: expiry is judged here, by intake's clock). Absent when the
 * submission carries no run.
 */
export type CheckedRun = { ok: true; signer: string; attestation: RunAttestedV1 } | { ok: false; problem: string };

/** A verified submission envelope, handed over before its data has been schema-checked. */
export interface HandleSubmission {
  type: 'HandleSubmission';
  /** The submission envelope's id. */
  submissionId: string;
  /** The verified signer, e.g. `requester:deploy-bot`. */
  requester: string;
  /** The requester name taken from the subject token of `cs.submit.<name>`. */
  subjectRequester: string;
  /** The envelope's `data`, validated here against RequestSubmittedV1. */
  payload: unknown;
  /**
   * The verified envelope itself, exactly as received (its id, signer and data are the fields
   * above): the accepted request carries it as the requester's own proof of what it asked for.
   */
  submission: Envelope;
  registration: RequesterRegistration | undefined;
  /** The verified run attestation of `payload.run`; undefined when the payload carries none. */
  run?: CheckedRun;
  /** The provisioned target registry: the authority on each target's environment and sensitivity. */
  targets: readonly TargetRegistration[];
  now: string;
  /** Window length when the submission names none; capped at MAX_WINDOW_SECONDS. */
  defaultWindowSeconds: number;
  /**
   * The budget ledger's verdict (budgetDecider) on a submission this decider would accept: ADMITTED
   * to preview it, then the ledger's. It is consulted only once every other check has passed.
   */
  admission: Admission;
}

/** The outcomes intake relays after acceptance; accepted/rejected come from HandleSubmission. */
export type LaterOutcome = Extract<Outcome, 'escalated' | 'approved' | 'denied' | 'expired' | 'executed' | 'failed'>;

/** Tell the requester how its accepted request ended up, caused by an approval or executor event. */
export interface NotifyOutcome {
  type: 'NotifyOutcome';
  requestId: string;
  outcome: LaterOutcome;
  /** Id of the approval/executor event this notification answers. */
  causationEventId: string;
  detail?: string;
  now: string;
}

/** A submission intake dead-lettered (see strandedBy): it still gets an answer, a rejection. */
export interface RejectUnprocessable {
  type: 'RejectUnprocessable';
  submissionId: string;
  requester: string;
  payload: unknown;
  /** The dead letter's code and message, e.g. `max_deliveries`. */
  code: string;
  message: string;
  now: string;
}

/** A pipeline event of an accepted request was dead-lettered by some consumer: the request is in doubt. */
export interface FailStranded {
  type: 'FailStranded';
  requestId: string;
  /** Id of the dead-letter event. */
  causationEventId: string;
  detail: string;
  now: string;
}

export type IntakeCommand = HandleSubmission | NotifyOutcome | RejectUnprocessable | FailStranded;
