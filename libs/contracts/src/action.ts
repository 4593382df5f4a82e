import { z } from 'zod';
import { canonicalJson, sha256Hex } from './canonical';
import { Digest, RequestId, TimeWindow } from './common';

const Token = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

export const ActionKind = z
  .string()
  .regex(/^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)+$/, 'a dotted action kind like http.request')
  .max(64);

/** Parameters are free-form JSON but bounded, so an action stays reviewable and digestible. */
const JsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string().max(4096),
    z.number().finite(),
    z.boolean(),
    z.null(),
    z.array(JsonValue).max(100),
    z.record(z.string().max(128), JsonValue),
  ]),
);

export const Amount = z.object({
  value: z.string().regex(/^(0|[1-9]\d{0,14})(\.\d{1,4})?$/, 'a decimal string like 12500.00'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code'),
});
export type Amount = z.infer<typeof Amount>;

export const DataSensitivity = z.enum(['public', 'internal', 'confidential', 'restricted']);
export type DataSensitivity = z.infer<typeof DataSensitivity>;

/** One line of visible text: no control characters or line breaks (it reaches Slack and terminals). */
const IntentText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, 'no control characters or line breaks')
    .regex(/\S/, 'not only whitespace');

/**
 * The change intent: what a customer's approver checks before a vendor or an agent touches their
 * production. Each part is optional in the contract; a policy tier may require them (see
 * `requires` in docs/policies.md). Part of the digest, shown on every approval surface.
 */
export const ChangeIntent = z.strictObject({
  /** The change ticket this action belongs to, e.g. `CHG-1042`; a tier may demand a pattern. */
  ticket: IntentText(64).optional(),
  /** What should be true once the action has run. */
  expectedOutcome: IntentText(1000).optional(),
  /** How to undo it if it goes wrong. */
  rollbackPlan: IntentText(2000).optional(),
});
export type ChangeIntent = z.infer<typeof ChangeIntent>;

/**
 * What an upstream system asks for. The window is optional here; intake fills in the default.
 * `environment` and `dataSensitivity` are the target registry's facts, not the requester's: a
 * submission may state them as an assertion, and one that differs from the registry is rejected.
 */
export const ActionRequest = z.strictObject({
  kind: ActionKind,
  target: Token,
  environment: Token.optional(),
  parameters: z.record(z.string().max(128), JsonValue),
  amount: Amount.optional(),
  dataSensitivity: DataSensitivity.optional(),
  window: TimeWindow.optional(),
  intent: ChangeIntent.optional(),
  /**
   * The requester invokes break-glass: only a policy tier marked `breakGlass` for this kind may
   * take it (reduced quorum, mandatory review afterwards). Part of the digest, so approvers see it.
   */
  breakGlass: z.literal(true).optional(),
});
export type ActionRequest = z.infer<typeof ActionRequest>;

/**
 * The action as accepted: the registry's facts about the target filled in (environment, data
 * sensitivity, owner team, address), the window resolved. This is what gets digested, so an
 * approver approves what the registry says, never what the requester called it.
 */
export const CanonicalAction = ActionRequest.extend({
  environment: Token,
  dataSensitivity: DataSensitivity,
  /** The team that owns the target, from the registry. */
  ownerTeam: Token,
  /** Where the target is reached, from the registry. */
  targetAddress: z.url().max(512),
  window: TimeWindow,
  requestId: RequestId,
});
export type CanonicalAction = z.infer<typeof CanonicalAction>;

/**
 * The action digest that approvers approve, the broker scopes to and the executor checks.
 * It covers kind, target, the registry's facts (environment, sensitivity, owner team, address),
 * parameters, amount, change intent, break-glass, window and request id.
 */
export function actionDigest(action: CanonicalAction): string {
  return sha256Hex(canonicalJson(action));
}

export { Digest };
