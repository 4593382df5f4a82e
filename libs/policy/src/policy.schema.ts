import { z } from 'zod';
import { ActionKind, DataSensitivity, IdentityId, NAME_PATTERN } from '@countersign/contracts';

/** The name the fallback tier is stamped with; no tier in a document may take it. */
export const FALLBACK_TIER = 'default';

const DAY_SECONDS = 24 * 60 * 60;
/** Longer than a week pending means nobody is looking; fail the request rather than keep it open. */
const MAX_PENDING_TTL_SECONDS = 7 * DAY_SECONDS;
/** A break-glass review may take longer than an approval: a month at most. */
const MAX_REVIEW_SECONDS = 30 * DAY_SECONDS;
/** The same 24h cap intake puts on a request's window. */
const MAX_EXECUTION_WINDOW_SECONDS = DAY_SECONDS;
/** The contract caps a quorum at 10 approvers. */
const MAX_QUORUM = 10;

// Label and tier name together form the auto-approver id `policy:<label>@<tier>`, which must stay
// a valid identity id (at most 96 characters after the kind).
const PolicyLabel = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,39}$/, 'lowercase letters, digits, dots and dashes, at most 40');
const TierName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lowercase letters, digits and dashes, at most 48')
  .refine((name) => name !== FALLBACK_TIER, `"${FALLBACK_TIER}" is reserved for the fallback tier`);
const GroupName = z.string().regex(NAME_PATTERN, 'a group name: lowercase letters, digits and dashes');
const Token = z.string().regex(NAME_PATTERN, 'lowercase letters, digits and dashes');
const ApproverId = IdentityId.refine((id) => id.startsWith('approver:'), 'an approver identity like approver:alice');
const DecimalAmount = z.string().regex(/^(0|[1-9]\d{0,14})(\.\d{1,4})?$/, 'a decimal string like "10000" or "12500.50"');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code like EUR');
/**
 * Thresholds per currency: 100,000 JPY and 100,000 EUR are not the same risk. A request in a
 * currency no tier of the policy names goes to the policy's strictest tier.
 */
const MinAmount = z
  .record(Currency, DecimalAmount)
  .refine((thresholds) => Object.keys(thresholds).length > 0, 'name at least one currency');
const PendingTtl = z.number().int().min(1).max(MAX_PENDING_TTL_SECONDS);
const ExecutionWindow = z.number().int().min(1).max(MAX_EXECUTION_WINDOW_SECONDS);
const Quorum = z.number().int().min(1).max(MAX_QUORUM);
const Groups = z.array(GroupName).min(1);
const ReviewSeconds = z.number().int().min(1).max(MAX_REVIEW_SECONDS);
/** The Cedar file, in the policy file's own folder: plain file name, no path. */
const CedarFileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.cedar$/, 'a file name ending in .cedar, next to this file');

/** The parts of a change intent (`action.intent`) a tier can require. */
export const IntentPart = z.enum(['ticket', 'expectedOutcome', 'rollbackPlan']);
export type IntentPart = z.infer<typeof IntentPart>;

/** A regular expression source that compiles (checked when the policy loads, not when a request comes). */
const Pattern = z
  .string()
  .min(1)
  .max(200)
  .refine((source) => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'a valid regular expression');

/**
 * When nobody decides within `afterSeconds` of the request opening, `groups` may vote too (votes
 * already cast keep counting). The tier's pending TTL still ends it: it must be longer.
 */
export const Escalation = z.strictObject({ afterSeconds: PendingTtl, groups: Groups });
export type Escalation = z.infer<typeof Escalation>;

/** The after-the-fact review a break-glass approval owes: who, by when, and who next if nobody does. */
export const ReviewSpec = z.strictObject({
  groups: Groups,
  deadlineSeconds: ReviewSeconds,
  escalation: z.strictObject({ afterSeconds: ReviewSeconds, groups: Groups }).optional(),
});
export type ReviewSpec = z.infer<typeof ReviewSpec>;

/** A requester may not be given more than this many submissions a minute, nor pending approvals, by any tier. */
const MAX_SUBMISSIONS_PER_MINUTE = 10_000;
const MAX_PENDING_APPROVALS = 1_000;

/**
 * What one requester may have intake take per tier (see docs/policies.md, "Budgets"): admitted
 * submissions in any sliding minute, and requests accepted but not yet decided (pending
 * approvals). Beyond either, intake refuses with `rate_limited`. Tiers override the policy's
 * `budgets`, which override the built-in DEFAULT_BUDGETS, field by field. An agent workload's run
 * (docs/agents.md) has its own, smaller `run…` budgets inside its requester's, so one looping run
 * cannot use up what the workload's other runs need.
 */
export const Budgets = z.strictObject({
  submissionsPerMinute: z.number().int().min(1).max(MAX_SUBMISSIONS_PER_MINUTE).optional(),
  pendingApprovals: z.number().int().min(1).max(MAX_PENDING_APPROVALS).optional(),
  runSubmissionsPerMinute: z.number().int().min(1).max(MAX_SUBMISSIONS_PER_MINUTE).optional(),
  runPendingApprovals: z.number().int().min(1).max(MAX_PENDING_APPROVALS).optional(),
});
export type Budgets = z.infer<typeof Budgets>;

/** Criteria a request must all meet (AND); each list matches any of its entries (OR). */
export const TierMatch = z.strictObject({
  kinds: z.array(ActionKind).min(1).optional(),
  environments: z.array(Token).min(1).optional(),
  targets: z.array(Token).min(1).optional(),
  /**
   * Inclusive lower bound on `action.amount.value` in its currency, e.g. `{ "EUR": "10000" }`. A
   * request in a currency this tier does not name does not match it; one without an amount, or in
   * a currency no tier names, goes to the policy's `strictestTier` instead (see selectRoute).
   */
  minAmount: MinAmount.optional(),
  dataSensitivity: z.array(DataSensitivity).min(1).optional(),
});
export type TierMatch = z.infer<typeof TierMatch>;

export const Tier = z.strictObject({
  name: TierName,
  description: z.string().max(500).optional(),
  match: TierMatch,
  mode: z.enum(['auto', 'quorum']),
  /** Distinct people needed; quorum tiers only. */
  quorum: Quorum.optional(),
  /** Approver groups whose members may vote; quorum tiers only. */
  groups: Groups.optional(),
  pendingTtlSeconds: PendingTtl.optional(),
  executionWindowSeconds: ExecutionWindow.optional(),
  escalation: Escalation.optional(),
  /**
   * Only requests that invoke break-glass (`action.breakGlass`) take this tier, and only for the
   * kinds its match lists; ordinary requests skip it. Needs a `review`.
   */
  breakGlass: z.literal(true).optional(),
  review: ReviewSpec.optional(),
  /**
   * Step-up: an approval counts only when signed with the approver's own key (a `vote.cast`, e.g.
   * `countersign vote`); a click relayed by a channel (Slack) does not, because the channel proves
   * what it saw, not who the person is. Denies count from any channel. Quorum tiers only.
   */
  stepUp: z.boolean().optional(),
  /**
   * The change intent this tier demands before anyone (or the policy) may approve: a ticket
   * (matching the policy's `changeIntent.ticketPattern` when set), the expected outcome, a
   * rollback plan. A request without them is refused by the policy at once, naming what is missing.
   */
  requires: z.array(IntentPart).min(1).optional(),
  /** This tier's budgets per requester, over the policy's `budgets` (see Budgets). */
  budgets: Budgets.optional(),
});
export type Tier = z.infer<typeof Tier>;

/** Where a request that matches no tier goes. Always human: there is no auto fallback. */
export const FallbackTier = z.strictObject({
  quorum: Quorum,
  groups: Groups,
  pendingTtlSeconds: PendingTtl.optional(),
  executionWindowSeconds: ExecutionWindow.optional(),
  escalation: Escalation.optional(),
  budgets: Budgets.optional(),
});
export type FallbackTier = z.infer<typeof FallbackTier>;

export const PolicyDocument = z.strictObject({
  $comment: z.string().optional(),
  label: PolicyLabel,
  /** The date (UTC) by which people must re-review this policy; after it, auto tiers need humans. */
  reviewBy: z.iso.date(),
  /** The Cedar policies deciding who may request, approve and auto-approve; part of the version. */
  authorization: CedarFileName,
  defaults: z.strictObject({ pendingTtlSeconds: PendingTtl, executionWindowSeconds: ExecutionWindow }),
  /** Group name -> approver identities. Groups live here so one reviewed file says who may approve. */
  approvers: z.record(GroupName, z.array(ApproverId).min(1)),
  /** Evaluated in order; the first tier whose match fits wins. */
  tiers: z.array(Tier).max(100),
  /** Optional; when absent, any two distinct people from any group (see DEFAULT_FALLBACK_QUORUM). */
  fallback: FallbackTier.optional(),
  /**
   * Where amounts the thresholds cannot judge go: a currency no tier names, or no amount where a
   * tier depends on one. A quorum tier (never auto); when absent, the fallback tier takes them.
   */
  strictestTier: TierName.optional(),
  /** How change tickets are spelled here; a tier that requires a ticket checks it against this. */
  changeIntent: z.strictObject({ ticketPattern: Pattern }).optional(),
  /** Budgets per requester for every tier that sets none of its own (see Budgets). */
  budgets: Budgets.optional(),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** Quorum of the implicit fallback: two people, the smallest number that is more than one. */
export const DEFAULT_FALLBACK_QUORUM = 2;

/** A validated policy, with its version and where it was read from. */
export type Policy = Omit<PolicyDocument, 'fallback'> & {
  fallback: FallbackTier;
  /**
   * `sha256:<hex>` of the canonical JSON of the document (see policyVersion); the loader that
   * also reads the Cedar file replaces it with the version of both files together.
   */
  version: string;
  /** The file name it was parsed from, for error messages and `countersign policy test`. */
  source: string;
};
