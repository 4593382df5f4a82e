import {
  EventTypes,
  type CredentialIssuedV1,
  type CredentialRevokedV1,
  type Envelope,
  type GrantRevokedV1,
  type RequestAcceptedV1,
} from '@countersign/contracts';
import { AcceptedRequestRecordedType, GrantIntendedType, type CredentialEvent, type GrantIntendedData } from './credential.events';

/** What the broker knows about one request. Approvals may arrive before the request, so no status union. */
export interface CredentialState {
  /** The broker's own copy of intake's accepted request; null until it arrives. */
  accepted: Envelope<RequestAcceptedV1> | null;
  /** The one credential this request may ever get, with the id of the event that issued it. */
  issued: { eventId: string; credential: CredentialIssuedV1 } | null;
  revoked: CredentialRevokedV1 | null;
  /** Approval event ids already answered (issued or refused): a redelivered approval changes nothing. */
  answeredApprovals: readonly string[];
  /** The grant on a real system backing the credential (system-backed kinds), recorded before it was made. */
  grant: GrantIntendedData | null;
  /** Set once the grant is revoked on the system itself. */
  grantRevoked: GrantRevokedV1 | null;
}

export const initialCredentialState = (): CredentialState => ({
  accepted: null,
  issued: null,
  revoked: null,
  answeredApprovals: [],
  grant: null,
  grantRevoked: null,
});

export function evolveCredential(state: CredentialState, event: CredentialEvent): CredentialState {
  switch (event.type) {
    case AcceptedRequestRecordedType:
      return { ...state, accepted: event.data.accepted };
    case EventTypes.CredentialIssued:
      return {
        ...state,
        issued: { eventId: event.id, credential: event.data },
        answeredApprovals: [...state.answeredApprovals, event.data.approvalEventId],
      };
    case EventTypes.CredentialRefused:
      return { ...state, answeredApprovals: [...state.answeredApprovals, event.data.approvalEventId] };
    case EventTypes.CredentialRevoked:
      return { ...state, revoked: event.data };
    case GrantIntendedType:
      return { ...state, grant: event.data };
    case EventTypes.GrantRevoked:
      return { ...state, grantRevoked: event.data };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
