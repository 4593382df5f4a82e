import { EventTypes, deterministicId } from '@countersign/contracts';
import { fold } from '@countersign/decider';
import { DeciderSpecification } from '@countersign/decider/testing';
import {
  ACCEPTED_ID,
  APPROVAL_ID,
  CREDENTIAL_ID,
  NOW,
  REQUEST_ID,
  accepted,
  issueCommand,
  issued,
  refusedEvent,
} from './testing/credential.fixtures';
import type { IntendGrant, RecordGrantRevoked } from './credential.commands';
import { credentialDecider } from './credential.decide';
import { GrantIntendedType, type CredentialEvent } from './credential.events';
import { grantRevocationDue } from './grant.decide';

const spec = DeciderSpecification(credentialDecider);

const recorded: CredentialEvent = {
  type: 'local.accepted.recorded',
  id: deterministicId(ACCEPTED_ID, 'broker.accepted.recorded'),
  data: { accepted: accepted() },
};

const GRANT = { kind: 'postgres.sql', handle: 'cs_4fa0ce967d5c4b5e9a9bae5d4c6b8f55' };
const EXPIRES = '2026-11-21T10:15:00.000Z';
const INTENDED_AT = '2026-11-21T10:00:00.200Z';

const intend = (overrides: Partial<IntendGrant> = {}): IntendGrant => ({
  type: 'IntendGrant',
  requestId: REQUEST_ID,
  credentialId: CREDENTIAL_ID,
  target: 'demo-postgres',
  grant: GRANT,
  expiresAt: EXPIRES,
  now: INTENDED_AT,
  ...overrides,
});

const intended: CredentialEvent = {
  type: GrantIntendedType,
  id: deterministicId(CREDENTIAL_ID, 'broker.grant.intended'),
  data: {
    requestId: REQUEST_ID,
    credentialId: CREDENTIAL_ID,
    target: 'demo-postgres',
    grant: GRANT,
    expiresAt: EXPIRES,
    intendedAt: INTENDED_AT,
  },
};

const issuedWithGrant: CredentialEvent = { ...issued, data: { ...issued.data, grant: GRANT } };

const CAUSE = 'a1b2c3d4-0000-4000-8000-000000000001';
const revokedWithGrant: CredentialEvent = {
  type: EventTypes.CredentialRevoked,
  id: deterministicId(CAUSE, 'credential.revoked'),
  data: { requestId: REQUEST_ID, credentialId: CREDENTIAL_ID, reason: 'execution_completed', revokedAt: NOW, grant: GRANT },
};

const recordRevoked = (now: string): RecordGrantRevoked => ({ type: 'RecordGrantRevoked', requestId: REQUEST_ID, now });

const grantRevoked = (reason: 'execution_completed' | 'window_ended' | 'never_issued', at: string): CredentialEvent => ({
  type: EventTypes.GrantRevoked,
  id: deterministicId(CREDENTIAL_ID, 'grant.revoked'),
  data: { requestId: REQUEST_ID, credentialId: CREDENTIAL_ID, target: 'demo-postgres', grant: GRANT, reason, revokedAt: at },
});

describe('grants on real systems (credential decider)', () => {
  describe('before the grant is made', () => {
    it('records the intent, keyed by the credential id', () => {
      spec.given([recorded]).when(intend()).then([intended]);
    });

    it('records nothing for a request it never saw accepted', () => {
      spec.given([]).when(intend()).thenNothingHappened();
    });

    it('keeps the first intent: a redelivered approval reuses it instead of making a second grant', () => {
      spec
        .given([recorded, intended])
        .when(intend({ credentialId: 'b0b0b0b0-0000-4000-8000-000000000000' }))
        .thenNothingHappened();
    });
  });

  describe('when the grant is intended', () => {
    it('issues the credential carrying the intended grant', () => {
      spec
        .given([recorded, intended])
        .when(issueCommand({ grant: GRANT }))
        .then([issuedWithGrant]);
    });

    it('throws when the credential carries another grant than the intended one (a shell bug)', () => {
      const other = issueCommand({ grant: { ...GRANT, handle: 'cs_other' } });
      expect(() => spec.given([recorded, intended]).when(other).then([])).toThrow(/intended/);
    });

    it('throws when the credential carries no grant at all (a shell bug)', () => {
      expect(() => spec.given([recorded, intended]).when(issueCommand()).then([])).toThrow(/intended/);
    });

    it('throws for a grant that was never recorded as intended (a shell bug)', () => {
      expect(() =>
        spec
          .given([recorded])
          .when(issueCommand({ grant: GRANT }))
          .then([]),
      ).toThrow(/intended/);
    });

    it('has no revocation due before the window ends', () => {
      expect(grantRevocationDue(fold(credentialDecider, [recorded, intended]), '2026-11-21T10:14:59.999Z')).toBeNull();
    });

    it('revokes, as never issued, a grant whose credential was never recorded once its window ended', () => {
      const at = '2026-11-21T10:15:00.000Z';
      spec
        .given([recorded, intended])
        .when(recordRevoked(at))
        .then([grantRevoked('never_issued', at)]);
    });

    it('revokes at once a grant whose approval was refused', () => {
      const refused = refusedEvent(APPROVAL_ID, 'grant_refused', 'no admin credential');
      spec
        .given([recorded, intended, refused])
        .when(recordRevoked(NOW))
        .then([grantRevoked('never_issued', NOW)]);
    });
  });

  describe('when the credential with a grant is issued', () => {
    it('names the grant in the credential’s revocation', () => {
      spec
        .given([recorded, intended, issuedWithGrant])
        .when({ type: 'RevokeCredential', requestId: REQUEST_ID, reason: 'execution_completed', causeId: CAUSE, now: NOW })
        .then([revokedWithGrant]);
    });

    it('never revokes the grant of a live credential, even past the grant’s own window', () => {
      expect(grantRevocationDue(fold(credentialDecider, [recorded, intended, issuedWithGrant]), '2026-11-21T11:00:00.000Z')).toBeNull();
      spec.given([recorded, intended, issuedWithGrant]).when(recordRevoked('2026-11-21T11:00:00.000Z')).thenNothingHappened();
    });
  });

  describe('when the credential is revoked', () => {
    it('has the grant’s revocation on the system due, for the credential’s reason', () => {
      expect(grantRevocationDue(fold(credentialDecider, [recorded, intended, issuedWithGrant, revokedWithGrant]), NOW)).toStrictEqual({
        requestId: REQUEST_ID,
        credentialId: CREDENTIAL_ID,
        target: 'demo-postgres',
        grant: GRANT,
        reason: 'execution_completed',
      });
    });

    it('records the revocation on the system once', () => {
      const at = '2026-11-21T10:01:00.000Z';
      spec
        .given([recorded, intended, issuedWithGrant, revokedWithGrant])
        .when(recordRevoked(at))
        .then([grantRevoked('execution_completed', at)]);
      spec
        .given([recorded, intended, issuedWithGrant, revokedWithGrant, grantRevoked('execution_completed', at)])
        .when(recordRevoked(at))
        .thenNothingHappened();
    });
  });
});
