import {
  actionDigest,
  ApprovalRequestedV1,
  renderAction,
  renderingDigest,
  RENDERING_INLINE_MAX_BYTES,
  type CanonicalAction,
} from '@countersign/contracts';
import { FIXTURE_REQUESTER, fixtureAction } from '@countersign/contracts/testing';

/** A valid approval request (parsed by the contract, so the fixture can never drift from it), with its rendering as approval makes it. */
export function approvalRequested(
  action: Partial<CanonicalAction> = {},
  extra: Partial<Omit<ApprovalRequestedV1, 'action' | 'digest'>> = {},
): ApprovalRequestedV1 {
  const canonical: CanonicalAction = { ...fixtureAction, ...action };
  const rendering = renderAction(canonical);
  return ApprovalRequestedV1.parse({
    requestId: canonical.requestId,
    digest: actionDigest(canonical),
    requester: FIXTURE_REQUESTER,
    action: canonical,
    ...(rendering.length <= RENDERING_INLINE_MAX_BYTES ? { rendering } : {}),
    renderingDigest: renderingDigest(rendering),
    policy: { version: `sha256:${'ab12'.repeat(16)}`, label: 'prod-changes', tier: 'two-person', rules: ['prod-needs-two'] },
    quorum: 2,
    eligibleGroups: ['sre', 'payments-leads'],
    expiresAt: '2026-11-21T10:30:00.000Z',
    ...extra,
  });
}
