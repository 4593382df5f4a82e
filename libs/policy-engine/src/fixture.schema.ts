import { z } from 'zod';
import { ActionKind, Amount, ChangeIntent, DataSensitivity, IdentityId, Timestamp } from '@countersign/contracts';

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

/**
 * The action of a fixture case: the request as a requester would submit it. The target registry
 * fills in environment and sensitivity (stating others is a mislabel intake rejects); window and
 * id are filled in too.
 */
const FixtureAction = z.strictObject({
  kind: ActionKind,
  target: Name,
  environment: Name.optional(),
  parameters: z.record(z.string(), z.unknown()).default({}),
  amount: Amount.optional(),
  dataSensitivity: DataSensitivity.optional(),
  intent: ChangeIntent.optional(),
  breakGlass: z.literal(true).optional(),
});

/**
 * What the case expects: either the decision (`tier` and `mode` required, every other field
 * checked when given), or `rejected`: intake refuses the submission before any policy sees it,
 * with exactly these field errors (path and code).
 */
const Expectation = z
  .strictObject({
    rejected: z
      .array(z.strictObject({ path: z.string(), code: z.string() }))
      .min(1)
      .optional(),
    tier: z.string().min(1).optional(),
    mode: z.enum(['auto', 'quorum', 'refused']).optional(),
    quorum: z.number().int().min(1).optional(),
    /** The groups asked first. */
    groups: z.array(z.string()).optional(),
    /** Exactly who may vote before any escalation (group members Cedar allows). */
    eligibleApprovers: z.array(IdentityId).optional(),
    /** Cedar's answer to "may this approver approve this request?", for the approvers named. */
    approvers: z.record(IdentityId, z.enum(['allow', 'deny'])).optional(),
    /** Rules that must all appear in the decision's stamp (others may appear too). */
    rules: z.array(z.string()).optional(),
    /** The escalation that will happen, or null for none. */
    escalation: z
      .strictObject({ afterSeconds: z.number().int().min(1).optional(), groups: z.array(z.string()) })
      .nullable()
      .optional(),
    /** The after-the-fact review the approval will owe (break-glass), or null for none. */
    review: z
      .strictObject({ groups: z.array(z.string()), deadlineSeconds: z.number().int().min(1).optional() })
      .nullable()
      .optional(),
    reviewOverdue: z.boolean().optional(),
    /** Whether approvals must be signed with the approver's own key (a Slack click does not count). */
    stepUp: z.boolean().optional(),
  })
  .refine((expect) => (expect.rejected === undefined) === (expect.tier !== undefined && expect.mode !== undefined), {
    message: 'expect either rejected, or a tier and a mode',
  });
export type Expectation = z.infer<typeof Expectation>;

export const FixtureCase = z.strictObject({
  name: z.string().min(1).max(200),
  /** The requester's name (`deploy-bot`), as registered. */
  requester: Name,
  action: FixtureAction,
  /** When the request arrives; defaults to the file's `now`. */
  now: Timestamp.optional(),
  expect: Expectation,
});
export type FixtureCase = z.infer<typeof FixtureCase>;

/** A `*.fixtures.json` file: cases for one policy file in the same folder. */
export const FixtureFile = z.strictObject({
  $comment: z.string().optional(),
  /** The tier policy file these cases test, in the same folder. */
  policy: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.policy\.json$/, 'a *.policy.json file name in the same folder'),
  now: Timestamp,
  /** The target registry the cases' targets are looked up in, relative to this file (`../targets.json`). */
  registry: z.string().min(1).max(200),
  /** Registry facts Cedar sees: requester name -> owner, approver id -> person. */
  owners: z.record(Name, Name).default({}),
  persons: z.record(IdentityId, Name).default({}),
  cases: z.array(FixtureCase).min(1),
});
export type FixtureFile = z.infer<typeof FixtureFile>;
