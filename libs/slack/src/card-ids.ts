import { Digest, Reason, RequestId } from '@countersign/contracts';

/**
 * The ids our card's interactive elements carry. Slack echoes them back in every click, so they
 * are the contract between the card we post and the clicks we accept.
 */
export const CARD_IDS = {
  decisionBlock: 'countersign.decision',
  approveAction: 'countersign.approve',
  denyAction: 'countersign.deny',
  reasonBlock: 'countersign.reason',
  reasonAction: 'reason',
} as const;

/** The longest reason the contracts accept (`Reason`), so the input never takes what a vote would refuse. */
export const REASON_MAX_LENGTH = Reason.maxLength ?? 500;

/** Slack's limit on a button's `value`. */
export const BUTTON_VALUE_MAX_LENGTH = 2000;

export interface DecisionTarget {
  requestId: string;
  digest: string;
  /** The digest of the rendering the card showed: the vote names what the person saw. */
  renderingDigest: string;
}

/**
 * A button's value names what the click decides: the request, the action digest and the digest
 * of the rendering the person saw on the card. `{uuid}:{64 hex}:{64 hex}` is 166 characters; no
 * part can contain a colon.
 */
export function encodeDecisionValue({ requestId, digest, renderingDigest }: DecisionTarget): string {
  return `${requestId}:${digest}:${renderingDigest}`;
}

export function decodeDecisionValue(value: string): DecisionTarget | undefined {
  if (value.length > BUTTON_VALUE_MAX_LENGTH) return undefined;
  const parts = value.split(':');
  if (parts.length !== 3) return undefined;
  const requestId = RequestId.safeParse(parts[0]);
  const digest = Digest.safeParse(parts[1]);
  const rendering = Digest.safeParse(parts[2]);
  if (!requestId.success || !digest.success || !rendering.success) return undefined;
  return { requestId: requestId.data, digest: digest.data, renderingDigest: rendering.data };
}
