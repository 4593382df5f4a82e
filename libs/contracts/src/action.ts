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

/** What an upstream system asks for. The window is optional here; intake fills in the default. */
export const ActionRequest = z.strictObject({
  kind: ActionKind,
  target: Token,
  environment: Token,
  parameters: z.record(z.string().max(128), JsonValue),
  amount: Amount.optional(),
  dataSensitivity: DataSensitivity.optional(),
  window: TimeWindow.optional(),
  /**
   * The requester invokes break-glass: only a policy tier marked `breakGlass` for this kind may
   * take it (reduced quorum, mandatory review afterwards). Part of the digest, so approvers see it.
   */
  breakGlass: z.literal(true).optional(),
});
export type ActionRequest = z.infer<typeof ActionRequest>;

/** The action as accepted: every field fixed, the window resolved. This is what gets digested. */
export const CanonicalAction = ActionRequest.extend({ window: TimeWindow, requestId: RequestId });
export type CanonicalAction = z.infer<typeof CanonicalAction>;

/**
 * The action digest that approvers approve, the broker scopes to and the executor checks.
 * It covers kind, target, environment, parameters, amount, sensitivity, window and request id.
 */
export function actionDigest(action: CanonicalAction): string {
  return sha256Hex(canonicalJson(action));
}

export { Digest };
