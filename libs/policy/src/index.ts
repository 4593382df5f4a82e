export { compareDecimal, isDecimal, type Ordering } from './decimal';
export { evaluatePolicy, isReviewOverdue, matchRules, REVIEW_OVERDUE_RULE, type PolicyDecision } from './policy.evaluate';
export { approversOf, formatPolicyErrors, parsePolicy, policyVersion, type ParsedPolicy, type PolicyError } from './policy.parse';
export { DEFAULT_FALLBACK_QUORUM, FALLBACK_TIER, FallbackTier, PolicyDocument, Tier, TierMatch, type Policy } from './policy.schema';
