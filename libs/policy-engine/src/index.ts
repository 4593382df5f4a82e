export { authorize, cedarDecimal, type RequestFacts } from './cedar.authorize';
export { compileCedar, type CedarCompilation, type CompiledCedar } from './cedar.compile';
export { CEDAR_SCHEMA } from './cedar.schema';
export { decideRequest, loadPolicyBundle, loadPolicyBundleOrThrow, type LoadedBundle, type PeopleFacts, type PolicyBundle } from './bundle';
export { FIXTURE_REQUEST_ID, runCase } from './fixture.run';
export { FixtureCase, FixtureFile, type Expectation } from './fixture.schema';
export { runPolicyTests, type CaseResult, type PolicyTestReport } from './policy-test';
export { loadPinnedPolicyOrThrow, pinPolicy, policyPinFile, type PolicyPin } from './pin';
export { approvalFacts, peopleFactsOf } from './recheck-facts';
