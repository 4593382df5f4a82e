export {
  RECHECK_CODES,
  recheckApproval,
  type ApprovalFacts,
  type CheckedVote,
  type Recheck,
  type RecheckCode,
  type RegistryVerdict,
} from './recheck';
export { submissionProblem, type CheckedSubmission } from './submission';
