import { EventTypes, deterministicId } from '@countersign/contracts';
import { fold } from '@countersign/decider';
import { DeciderSpecification } from '@countersign/decider/testing';
import {
  ACCEPTED_ID,
  APPROVAL_ID,
  CREDENTIAL_ID,
  NOW,
  OTHER_APPROVAL_ID,
  REQUEST_ID,
  REQUESTER,
  accepted,
  approval,
  issueCommand,
  issued,
  refusedEvent,
} from './testing/credential.fixtures';
import type { RevokeCredential } from './credential.commands';
import { credentialDecider, dueRevocations } from './credential.decide';
import type { CredentialEvent } from './credential.events';

const spec = DeciderSpecification(credentialDecider);

const recorded: CredentialEvent = {
  type: 'local.accepted.recorded',
  id: deterministicId(ACCEPTED_ID, 'broker.accepted.recorded'),
  data: { accepted: accepted() },
};

const revoke = (reason: RevokeCredential['reason'], now: string, causeId = 'a1b2c3d4-0000-4000-8000-000000000001'): RevokeCredential => ({
  type: 'RevokeCredential',
  requestId: REQUEST_ID,
  reason,
  causeId,
  now,
});

describe('credential decider', () => {
  describe('when nothing is known about the request', () => {
    it('records the accepted request locally', () => {
      spec.given([]).when({ type: 'RecordAcceptedRequest', accepted: accepted() }).then([recorded]);
    });

    it('refuses an approval for a request it never saw accepted', () => {
      spec
        .given([])
        .when(issueCommand())
        .then([refusedEvent(APPROVAL_ID, 'request_unknown', 'the broker holds no request accepted by service:intake for this approval')]);
    });

    it('revokes nothing', () => {
      spec.given([]).when(revoke('execution_completed', NOW)).thenNothingHappened();
    });
  });

  describe('when the request is accepted', () => {
    it('ignores a redelivered accepted request', () => {
      spec.given([recorded]).when({ type: 'RecordAcceptedRequest', accepted: accepted() }).thenNothingHappened();
    });

    it('issues the credential for a genuine approval', () => {
      spec.given([recorded]).when(issueCommand()).then([issued]);
    });

    it('refuses, as an event, an approval that fails the re-check', () => {
      const forged = issueCommand({ approval: approval({ digest: 'f'.repeat(64) }) });
      spec
        .given([recorded])
        .when(forged)
        .then([refusedEvent(APPROVAL_ID, 'digest_mismatch', 'approved digest does not match the action')]);
    });

    it('refuses a step-up approval that counted a Slack click', () => {
      const slackClick = { id: 'approver:bob', voteId: '7cd3f1c9-0a8f-4e8b-8dce-db8f7f9ebc88', via: 'slack' as const, at: NOW };
      const stepUp = issueCommand({
        approval: approval({ stepUp: true, approvers: [{ ...approval().data.approvers[0]!, via: 'signed' }, slackClick] }),
      });
      spec
        .given([recorded])
        .when(stepUp)
        .then([
          refusedEvent(
            APPROVAL_ID,
            'step_up_missing',
            'the tier one-approver requires step-up, but approver:bob approved via slack, not with a vote signed by their own key',
          ),
        ]);
    });

    it('issues for a step-up approval whose approvers signed their own votes', () => {
      const signed = approval({ stepUp: true, approvers: [{ ...approval().data.approvers[0]!, via: 'signed' }] });
      spec
        .given([recorded])
        .when(issueCommand({ approval: signed }))
        .then([issued]);
    });

    it('refuses the requester approving its own request', () => {
      const self = issueCommand({ approval: approval({ approvers: [{ id: REQUESTER, at: NOW }] }) });
      spec
        .given([recorded])
        .when(self)
        .then([refusedEvent(APPROVAL_ID, 'requester_approved', `${REQUESTER} approved its own request`)]);
    });

    it('refuses once the window has closed', () => {
      const late = '2026-11-21T11:00:00.000Z';
      spec
        .given([recorded])
        .when(issueCommand({ now: late }))
        .then([refusedEvent(APPROVAL_ID, 'window_closed', `the approved window closed at ${late}`, late)]);
    });

    it('records the refusal the shell decided on', () => {
      spec
        .given([recorded])
        .when({ type: 'RefuseCredential', approval: approval(), now: NOW, code: 'approval_not_genuine', message: 'no executor key' })
        .then([refusedEvent(APPROVAL_ID, 'approval_not_genuine', 'no executor key')]);
    });

    it('throws when the minted credential outlives the terms (a shell bug)', () => {
      spec
        .given([recorded])
        .when(issueCommand({ expiresAt: '2026-11-21T10:30:00.000Z' }))
        .thenThrows(/this is a bug/);
    });

    it('throws when the minted credential starts before now (a shell bug)', () => {
      spec
        .given([recorded])
        .when(issueCommand({ notBefore: '2026-11-21T09:59:00.000Z' }))
        .thenThrows(/exceed the issuance terms/);
    });

    it('throws when the executor is a party to the request (a shell bug)', () => {
      spec
        .given([recorded])
        .when(issueCommand({ executor: 'approver:alice' }))
        .thenThrows(/also a party/);
    });

    it('has no revocation due', () => {
      expect(dueRevocations(fold(credentialDecider, [recorded]), '2026-11-21T12:00:00.000Z')).toStrictEqual([]);
    });
  });

  describe('when the credential is issued', () => {
    it('ignores the same approval redelivered', () => {
      spec
        .given([recorded, issued])
        .when(issueCommand({ credentialId: 'b0b0b0b0-0000-4000-8000-000000000000' }))
        .thenNothingHappened();
    });

    it('refuses a second approval: one credential per request', () => {
      spec
        .given([recorded, issued])
        .when(issueCommand({ approval: approval({}, { id: OTHER_APPROVAL_ID }) }))
        .then([refusedEvent(OTHER_APPROVAL_ID, 'already_issued', 'a credential was already issued for this request')]);
    });

    it('revokes when the execution completed', () => {
      const causeId = 'a1b2c3d4-0000-4000-8000-000000000001';
      spec
        .given([recorded, issued])
        .when(revoke('execution_completed', NOW, causeId))
        .then([
          {
            type: EventTypes.CredentialRevoked,
            id: deterministicId(causeId, 'credential.revoked'),
            data: { requestId: REQUEST_ID, credentialId: CREDENTIAL_ID, reason: 'execution_completed', revokedAt: NOW },
          },
        ]);
    });

    it('ignores a window timer that fires before the credential expires', () => {
      spec.given([recorded, issued]).when(revoke('window_ended', '2026-11-21T10:14:59.999Z')).thenNothingHappened();
    });

    it('asks for a window_ended revocation, caused by the issuance, once the credential expired', () => {
      const state = fold(credentialDecider, [recorded, issued]);
      expect(dueRevocations(state, '2026-11-21T10:14:59.999Z')).toStrictEqual([]);
      expect(dueRevocations(state, '2026-11-21T10:15:00.000Z')).toStrictEqual([
        revoke('window_ended', '2026-11-21T10:15:00.000Z', issued.id),
      ]);
    });

    it('revokes for the window when the timer command arrives', () => {
      const at = '2026-11-21T10:15:00.000Z';
      spec
        .given([recorded, issued])
        .when(revoke('window_ended', at, issued.id))
        .then([
          {
            type: EventTypes.CredentialRevoked,
            id: deterministicId(issued.id, 'credential.revoked'),
            data: { requestId: REQUEST_ID, credentialId: CREDENTIAL_ID, reason: 'window_ended', revokedAt: at },
          },
        ]);
    });
  });

  describe('when an approval was refused', () => {
    const refused = refusedEvent(APPROVAL_ID, 'digest_mismatch', 'approved digest does not match the action');

    it('ignores the same approval redelivered, even as a refusal', () => {
      spec.given([recorded, refused]).when(issueCommand()).thenNothingHappened();
      spec
        .given([recorded, refused])
        .when({ type: 'RefuseCredential', approval: approval(), now: NOW, code: 'window_closed', message: 'x' })
        .thenNothingHappened();
    });

    it('still issues for a later, genuine approval', () => {
      const later = approval({}, { id: OTHER_APPROVAL_ID });
      spec
        .given([recorded, refused])
        .when(issueCommand({ approval: later }))
        .then([
          {
            ...issued,
            id: deterministicId(OTHER_APPROVAL_ID, 'credential.issued'),
            data: { ...issued.data, approvalEventId: OTHER_APPROVAL_ID },
          },
        ]);
    });
  });

  describe('when the credential is revoked', () => {
    const revoked: CredentialEvent = {
      type: EventTypes.CredentialRevoked,
      id: deterministicId('a1b2c3d4-0000-4000-8000-000000000001', 'credential.revoked'),
      data: { requestId: REQUEST_ID, credentialId: CREDENTIAL_ID, reason: 'execution_completed', revokedAt: NOW },
    };

    it('revokes only once', () => {
      spec.given([recorded, issued, revoked]).when(revoke('window_ended', '2026-11-21T12:00:00.000Z')).thenNothingHappened();
    });

    it('has no revocation due', () => {
      expect(dueRevocations(fold(credentialDecider, [recorded, issued, revoked]), '2026-11-21T12:00:00.000Z')).toStrictEqual([]);
    });

    it('still refuses a new approval', () => {
      spec
        .given([recorded, issued, revoked])
        .when(issueCommand({ approval: approval({}, { id: OTHER_APPROVAL_ID }) }))
        .then([refusedEvent(OTHER_APPROVAL_ID, 'already_issued', 'a credential was already issued for this request')]);
    });
  });
});
