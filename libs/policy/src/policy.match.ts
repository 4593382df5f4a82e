import type { CanonicalAction } from '@countersign/contracts';
import { compareDecimal } from './decimal';
import type { TierMatch } from './policy.schema';

/** The rules a tier's match produced, or undefined when any of its criteria does not hold. */
export function matchRules(match: TierMatch, action: CanonicalAction): string[] | undefined {
  const results = [
    listed(match.kinds, action.kind, 'kind'),
    listed(match.environments, action.environment, 'environment'),
    listed(match.targets, action.target, 'target'),
    atLeast(match.minAmount, action.amount?.value),
    listed(match.dataSensitivity, action.dataSensitivity, 'dataSensitivity'),
  ];
  if (results.includes(false)) return undefined;
  const rules = results.filter((result): result is string => typeof result === 'string');
  return rules.length > 0 ? rules : ['match:any'];
}

// Each criterion answers: undefined = not part of this tier, false = fails, a rule id = holds.
function listed(list: readonly string[] | undefined, value: string | undefined, field: string): string | false | undefined {
  if (list === undefined) return undefined;
  return value !== undefined && list.includes(value) ? `match:${field}=${value}` : false;
}

function atLeast(minimum: string | undefined, value: string | undefined): string | false | undefined {
  if (minimum === undefined) return undefined;
  return value !== undefined && compareDecimal(value, minimum) >= 0 ? `match:amount>=${minimum}` : false;
}
