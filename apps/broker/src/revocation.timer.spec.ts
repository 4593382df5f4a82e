import { expectScheduleTypesComplete } from '@countersign/service-runtime/testing';
import { BROKER_LOCAL_TYPES } from './testing/local-types';
import { EventTypes } from '@countersign/contracts';
import { GrantIntendedType } from '@countersign/broker-domain';
import { revocationSchedule, revocations } from './revocation.timer';

const REQUEST = 'req-1';
const GRANT = { kind: 'postgres.sql', handle: 'cs_role' };

describe('the broker’s revocation schedule', () => {
  it('is due at a credential’s window end', () => {
    const event = { type: EventTypes.CredentialIssued, data: { requestId: REQUEST, expiresAt: '2026-11-21T10:15:00.000Z' } };
    expect(revocationSchedule(event)).toStrictEqual({ key: REQUEST, dueAt: '2026-11-21T10:15:00.000Z' });
  });

  it('is due at an intended grant’s window end, in case its credential is never recorded', () => {
    const event = { type: GrantIntendedType, data: { requestId: REQUEST, expiresAt: '2026-11-21T10:15:00.000Z' } };
    expect(revocationSchedule(event)).toStrictEqual({ key: REQUEST, dueAt: '2026-11-21T10:15:00.000Z' });
  });

  it('is done when a credential without a grant is revoked', () => {
    const event = { type: EventTypes.CredentialRevoked, data: { requestId: REQUEST, revokedAt: '2026-11-21T10:01:00.000Z' } };
    expect(revocationSchedule(event)).toStrictEqual({ key: REQUEST, dueAt: null });
  });

  it('stays due at once while a revoked credential’s grant is not yet revoked on its system', () => {
    const revokedAt = '2026-11-21T10:01:00.000Z';
    const event = { type: EventTypes.CredentialRevoked, data: { requestId: REQUEST, revokedAt, grant: GRANT } };
    expect(revocationSchedule(event)).toStrictEqual({ key: REQUEST, dueAt: revokedAt });
  });

  it('is done once the grant is revoked on its system', () => {
    expect(revocationSchedule({ type: EventTypes.GrantRevoked, data: { requestId: REQUEST } })).toStrictEqual({
      key: REQUEST,
      dueAt: null,
    });
  });

  it('lists every type it reads, so the store may skip the others', () => {
    expectScheduleTypesComplete(revocations, BROKER_LOCAL_TYPES);
  });
});
