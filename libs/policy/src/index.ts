export {
  CEDAR_ACTIONS,
  DENIED_UNEVALUATED,
  isAllowed,
  verdictRules,
  type Authorization,
  type CedarAction,
  type Verdict,
} from './authorization';
export { requesterPersonsOf, type PeopleFacts } from './people';
export { budgetsFor, DEFAULT_BUDGETS, type TierBudgets } from './policy.budgets';
export { compareDecimal, isDecimal, type Ordering } from './decimal';
export { locateJsonError, locateJsonPath, locationOf, type TextLocation } from './json-location';
export { evaluatePolicy, type PolicyDecision, type ReviewPlan } from './policy.evaluate';
export { INTENT_RULE, intentGaps } from './policy.intent';
export { matchRules, unjudgeableAmount } from './policy.match';
export { approversOf, formatPolicyErrors, parsePolicy, policyVersion, type ParsedPolicy, type PolicyError } from './policy.parse';
export {
  BREAK_GLASS_RULE,
  BREAK_GLASS_UNAVAILABLE_RULE,
  isReviewOverdue,
  REVIEW_OVERDUE_RULE,
  selectRoute,
  type Route,
} from './policy.route';
export {
  Budgets,
  DEFAULT_FALLBACK_QUORUM,
  Escalation,
  FALLBACK_TIER,
  FallbackTier,
  IntentPart,
  PolicyDocument,
  ReviewSpec,
  Tier,
  TierMatch,
  type Policy,
} from './policy.schema';
