import type { CanonicalAction } from '@countersign/contracts';
import { compareDecimal } from './decimal';
import type { PolicyDocument, TierMatch } from './policy.schema';

/** The rules a tier's match produced, or undefined when any of its criteria does not hold. */
export function matchRules(match: TierMatch, action: CanonicalAction): string[] | undefined {
  const results = [...contextResults(match, action), atLeast(match.minAmount, action.amount)];
  if (results.includes(false)) return undefined;
  const rules = results.filter((result): result is string => typeof result === 'string');
  return rules.length > 0 ? rules : ['match:any'];
}

/** Why the amount thresholds cannot judge this action, as a stamp rule; undefined when they can. */
export function unjudgeableAmount(policy: Pick<PolicyDocument, 'tiers'>, action: CanonicalAction): string | undefined {
  const priced = policy.tiers.filter((tier) => tier.match.minAmount !== undefined);
  const { amount } = action;
  if (amount) {
    const named = priced.some((tier) => Object.prototype.hasOwnProperty.call(tier.match.minAmount, amount.currency));
    return named || priced.length === 0 ? undefined : `amount:currency-not-in-policy=${amount.currency}`;
  }
  // Missing only matters where a tier would have looked at it: same kind, place and data otherwise.
  const dependsOnAmount = priced.some(
    (tier) => (tier.breakGlass === true) === (action.breakGlass === true) && !contextResults(tier.match, action).includes(false),
  );
  return dependsOnAmount ? 'amount:missing' : undefined;
}

function contextResults(match: TierMatch, action: CanonicalAction): Array<string | false | undefined> {
  return [
    listed(match.kinds, action.kind, 'kind'),
    listed(match.environments, action.environment, 'environment'),
    listed(match.targets, action.target, 'target'),
    listed(match.dataSensitivity, action.dataSensitivity, 'dataSensitivity'),
  ];
}

// Each criterion answers: undefined = not part of this tier, false = fails, a rule id = holds.
function listed(list: readonly string[] | undefined, value: string | undefined, field: string): string | false | undefined {
  if (list === undefined) return undefined;
  return value !== undefined && list.includes(value) ? `match:${field}=${value}` : false;
}

/** Thresholds are per currency: a currency this tier does not name does not match it. */
function atLeast(minimum: TierMatch['minAmount'], amount: CanonicalAction['amount']): string | false | undefined {
  if (minimum === undefined) return undefined;
  if (!amount || !Object.prototype.hasOwnProperty.call(minimum, amount.currency)) return false;
  const threshold = minimum[amount.currency] as string;
  return compareDecimal(amount.value, threshold) >= 0 ? `match:amount.${amount.currency}>=${threshold}` : false;
}
