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

/**
 * A button's value names what the click decides: the request and the action digest the person
 * saw on the card. `{uuid}:{64 hex}` is 101 characters; neither part can contain a colon.
 */
export function encodeDecisionValue(requestId: string, digest: string): string {
  return `${requestId}:${digest}`;
}

export function decodeDecisionValue(value: string): { requestId: string; digest: string } | undefined {
  if (value.length > BUTTON_VALUE_MAX_LENGTH) return undefined;
  const parts = value.split(':');
  if (parts.length !== 2) return undefined;
  const requestId = RequestId.safeParse(parts[0]);
  const digest = Digest.safeParse(parts[1]);
  return requestId.success && digest.success ? { requestId: requestId.data, digest: digest.data } : undefined;
}
