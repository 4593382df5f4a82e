import {
  EventTypes,
  deterministicId,
  type AuditFindingV1,
  type Envelope,
  type MessageDeadLetteredV1,
  type VoteRejectedV1,
} from '@countersign/contracts';
import type { DomainEvent } from './domain-event';

export type AuditFindingRaised = DomainEvent<typeof EventTypes.AuditFinding, AuditFindingV1>;

type Severity = AuditFindingV1['severity'];

/**
 * A vote approval refused is not a broken chain: approval did its job. How loud it should be
 * depends on what was tried: approving one's own request is an attack; a late or repeated click is noise.
 */
const VOTE_SEVERITY: Record<VoteRejectedV1['code'], Severity> = {
  self_approval: 'high',
  digest_mismatch: 'medium',
  not_eligible: 'medium',
  step_up_required: 'medium',
  unmapped_voter: 'medium',
  // Names a text approval never showed (a tampered client), or relays an approval no card could show in full.
  rendering_mismatch: 'medium',
  rendering_too_long: 'medium',
  unknown_request: 'low',
  duplicate_vote: 'low',
  already_resolved: 'low',
};

/** Dead letters a forger or a replayer causes; other dead letters are stuck or malformed messages. */
const FORGERY_CODES = ['unknown_key', 'revoked_key', 'signer_mismatch', 'type_not_allowed', 'bad_signature', 'subject_mismatch'];
const REPLAY_CODES = ['replayed_event', 'stale_timestamp'];

const clip = (text: string) => text.slice(0, 500);

/** The finding an event raises when audit records it, if any: emitted in the same append as its record. */
export function findingsFor(envelope: Envelope, detectedAt: string): AuditFindingRaised[] {
  const finding = findingOf(envelope);
  if (!finding) return [];
  return [
    {
      type: EventTypes.AuditFinding,
      id: deterministicId(envelope.id, 'audit.finding'),
      data: { ...finding, eventId: envelope.id, detectedAt },
    },
  ];
}

function findingOf(envelope: Envelope): Omit<AuditFindingV1, 'eventId' | 'detectedAt'> | undefined {
  if (envelope.type === EventTypes.VoteRejected) {
    const { code, message, requestId, voter } = envelope.data as VoteRejectedV1;
    return { kind: 'vote_refused', severity: VOTE_SEVERITY[code] ?? 'medium', code, message: clip(message), requestId, signer: voter };
  }
  if (envelope.type === EventTypes.MessageDeadLettered) {
    const { code, message, claimedSigner } = envelope.data as MessageDeadLetteredV1;
    const replay = REPLAY_CODES.includes(code);
    const severity: Severity = FORGERY_CODES.includes(code) ? 'high' : 'medium';
    return {
      kind: replay ? 'replay' : 'dead_letter',
      severity,
      code: code.slice(0, 64),
      message: clip(`${envelope.signer} dead-lettered a message: ${message}`),
      ...(claimedSigner ? { signer: claimedSigner } : {}),
    };
  }
  return undefined;
}
