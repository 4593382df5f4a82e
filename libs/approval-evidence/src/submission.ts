import { canonicalJson, type Envelope, type RequestAcceptedV1, type RequestSubmittedV1 } from '@countersign/contracts';

/**
 * The requester's submission an accepted request carries, after the checker's shell verified it
 * against its own trust store (signature, key, the signer's right to submit, schema; no freshness:
 * a submission is older than its acceptance). Gathered by the shell, judged by submissionProblem.
 */
export type CheckedSubmission = { ok: true; submission: Envelope<RequestSubmittedV1> } | { ok: false; problem: string };

type Accepted = Pick<RequestAcceptedV1, 'requestId' | 'requester' | 'submissionId' | 'action'>;
type Action = RequestAcceptedV1['action'];

/** Parts of the action the requester states: the accepted action must say exactly the same. */
const STATED = ['kind', 'target', 'parameters', 'amount', 'intent', 'breakGlass'] as const;
/** Parts the requester may leave to intake (registry facts, default window): if stated, they must match. */
const ASSERTED = ['environment', 'dataSensitivity', 'window'] as const;

const same = (left: unknown, right: unknown): boolean => canonicalJson(left ?? null) === canonicalJson(right ?? null);

/**
 * Why the accepted request is not proven by its requester's own signed submission, or undefined:
 * the submission must verify, be signed by the accepted requester, be the one `submissionId` names,
 * ask for this request id and for this action. Without it intake alone could accept a request in
 * any requester's name. One rule for the broker and the executor.
 */
export function submissionProblem(accepted: Accepted, checked: CheckedSubmission): string | undefined {
  if (!checked.ok) return `the submission does not verify: ${checked.problem}`;
  const { submission } = checked;
  if (submission.signer !== accepted.requester)
    return `submission ${submission.id} is signed by ${submission.signer}, not ${accepted.requester}`;
  if (submission.id !== accepted.submissionId) return `the request names submission ${accepted.submissionId}, but carries ${submission.id}`;
  const { requestId, action } = submission.data;
  if (requestId !== accepted.requestId) return `submission ${submission.id} asks for request ${requestId}, not ${accepted.requestId}`;
  const differs = actionDifferences(action, accepted.action);
  return differs.length === 0 ? undefined : `submission ${submission.id} asks for another action (${differs.join(', ')} differ)`;
}

function actionDifferences(submitted: RequestSubmittedV1['action'], accepted: Action): string[] {
  const stated = STATED.filter((key) => !same(submitted[key], accepted[key]));
  const asserted = ASSERTED.filter((key) => submitted[key] !== undefined && !same(submitted[key], accepted[key]));
  return [...stated, ...asserted];
}
