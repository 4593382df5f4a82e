import { EventTypes, actionDigest, serviceId, stepUpGap, type CanonicalAction, type Envelope } from '@countersign/contracts';
import { recheckedApproval } from './approval-recheck';
import { refuse, type Chain, type ChainCheckInput, type Refusal } from './chain.types';
import { checkCredential } from './credential-check';
import type { EvidenceState } from './evidence';
import { toMillis } from '@countersign/decider';

/** What a verified chain authorises: exactly this action, under this credential. */
export interface VerifiedChain {
  ok: true;
  requestId: string;
  digest: string;
  credentialId: string;
  action: CanonicalAction;
}
export type ChainCheck = VerifiedChain | Refusal;

type Check = (chain: Chain, input: ChainCheckInput) => Refusal | null;

/**
 * Verifies the whole chain the executor holds, trusting no service's word for another's: signers
 * by type, links by id, the digest recomputed from the action, the credential's claims, the
 * windows and the separation of identities. The first failure is the refusal.
 */
export function checkChain(evidence: EvidenceState, input: ChainCheckInput): ChainCheck {
  const { accepted, approved, issued } = evidence;
  if (accepted === null || approved === null || issued === null) return refuse('chain_incomplete', `missing: ${missingLinks(evidence)}`);
  if (evidence.conflicting.length > 0) return refuse('chain_incomplete', `conflicting evidence: ${evidence.conflicting.join(', ')}`);
  const chain: Chain = { accepted, approved, issued, digest: actionDigest(accepted.data.action) };
  for (const check of CHECKS) {
    const refusal = check(chain, input);
    if (refusal) return refusal;
  }
  const { requestId } = accepted.data;
  return { ok: true, requestId, digest: chain.digest, credentialId: issued.data.credentialId, action: accepted.data.action };
}

function missingLinks({ accepted, approved, issued }: EvidenceState): string {
  const missing = [accepted ? null : 'request accepted', approved ? null : 'request approved', issued ? null : 'credential issued'];
  return missing.filter((link) => link !== null).join(', ');
}

/** The trust store proved who signed; this proves each link was signed by the service that owns it. */
const rightSigners: Check = ({ accepted, approved, issued }) => {
  const expected: [Envelope, string, string][] = [
    [accepted, EventTypes.RequestAccepted, serviceId('intake')],
    [approved, EventTypes.RequestApproved, serviceId('approval')],
    [issued, EventTypes.CredentialIssued, serviceId('broker')],
  ];
  const wrong = expected.find(([envelope, type, signer]) => envelope.type !== type || envelope.signer !== signer);
  return wrong ? refuse('signature_invalid', `${wrong[0].type} signed by ${wrong[0].signer}, expected ${wrong[2]}`) : null;
};

const linked: Check = ({ accepted, approved, issued }) => {
  const { requestId } = accepted.data;
  const ids = [accepted.data.action.requestId, approved.data.requestId, issued.data.requestId];
  if (ids.some((id) => id !== requestId)) return refuse('chain_incomplete', 'the links name different requests');
  if (approved.data.acceptedEventId !== accepted.id) return refuse('chain_incomplete', 'the approval refers to another accepted event');
  if (issued.data.approvalEventId !== approved.id) return refuse('chain_incomplete', 'the credential refers to another approval');
  if (approved.data.requester !== accepted.data.requester) return refuse('chain_incomplete', 'the approval names another requester');
  return null;
};

const sameDigest: Check = ({ accepted, approved, issued, digest }) => {
  const claimed: [string, string][] = [
    ['accepted', accepted.data.digest],
    ['approved', approved.data.digest],
    ['issued', issued.data.digest],
  ];
  const wrong = claimed.find(([, value]) => value !== digest);
  return wrong ? refuse('digest_mismatch', `the ${wrong[0]} digest does not match the action`) : null;
};

/** Half-open windows: the instant a window ends it is already closed. */
const insideWindows: Check = ({ accepted, approved, issued }, { now }) => {
  const at = toMillis(now);
  const windows: [string, string, string][] = [
    ['accepted window', accepted.data.action.window.notBefore, accepted.data.action.window.notAfter],
    ['approved window', approved.data.window.notBefore, approved.data.window.notAfter],
    ['credential', issued.data.notBefore, issued.data.expiresAt],
  ];
  const outside = windows.find(([, from, until]) => at < toMillis(from) || at >= toMillis(until));
  return outside ? refuse('window_closed', `${now} is outside the ${outside[0]} ${outside[1]}..${outside[2]}`) : null;
};

/** The promise itself: requester, approvers, broker and executor are pairwise different identities. */
const distinctIdentities: Check = ({ accepted, approved, issued }, { executorId }) => {
  const parties = [accepted.data.requester, ...approved.data.approvers.map((approver) => approver.id), issued.signer, executorId];
  const repeated = parties.find((party, index) => parties.indexOf(party) !== index);
  return repeated ? refuse('identities_not_distinct', `${repeated} holds more than one role`) : null;
};

/**
 * A step-up tier counts only approvals signed with the approver's own key; the approval (and the
 * broker) already refuse a relayed Slack click there, and the executor checks once more.
 */
const steppedUp: Check = ({ approved }) => {
  const gap = stepUpGap(approved.data);
  return gap ? refuse('step_up_missing', `step-up missing: ${gap}`) : null;
};

const supportedAction: Check = ({ accepted }, { supportedKinds }) => {
  const { kind } = accepted.data.action;
  return supportedKinds === undefined || supportedKinds.includes(kind) ? null : refuse('unsupported_action', `no adapter runs ${kind}`);
};

const CHECKS: readonly Check[] = [
  rightSigners,
  linked,
  sameDigest,
  checkCredential,
  insideWindows,
  distinctIdentities,
  steppedUp,
  recheckedApproval,
  supportedAction,
];
