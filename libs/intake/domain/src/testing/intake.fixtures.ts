import {
  actionDigest,
  deterministicId,
  EventTypes,
  type CanonicalAction,
  type Envelope,
  type FieldError,
  type TargetRegistration,
} from '@countersign/contracts';
import { fixtureEnvelope } from '@countersign/contracts/testing';
import { ADMITTED } from '../budget.events';
import type { HandleSubmission, NotifyOutcome } from '../intake.commands';
import { IdTags } from '../intake.decide';
import type { RequestAccepted, RequestRejected, RequesterNotified } from '../intake.events';

/** Fixtures for the intake specs. Not exported from the library. */
export const NOW = '2026-11-21T10:00:00.000Z';
export const REQUEST_ID = '0b7f6c1e-2a7d-4e47-9c3a-5d1e8f2a9b10';
export const SUBMISSION_ID = '5f3c2b1a-9e8d-4c7b-8a6f-1e2d3c4b5a60';
export const OTHER_SUBMISSION_ID = '6a4d3c2b-1f0e-4d8c-9b7a-2f3e4d5c6b71';
export const APPROVED_EVENT_ID = '7b5e4d3c-2a1f-4e9d-8c8b-3a4f5e6d7c82';
export const REQUESTER = 'requester:deploy-bot';

export const submissionPayload = (overrides: Record<string, unknown> = {}) => ({
  requestId: REQUEST_ID,
  action: { kind: 'http.request', target: 'billing-api', environment: 'staging', parameters: { path: '/v1/refresh' } } as Record<
    string,
    unknown
  >,
  reason: 'nightly cache refresh',
  ...overrides,
});

/** The registry's billing-api is staging, internal; prod-db is production, restricted. */
export const TARGETS: TargetRegistration[] = [
  {
    name: 'billing-api',
    environment: 'staging',
    dataSensitivity: 'internal',
    ownerTeam: 'billing',
    kinds: ['http.request', 'payment.transfer'],
    address: 'http://billing-api.internal:8080',
    requesters: ['deploy-bot'],
  },
  {
    name: 'prod-db',
    environment: 'production',
    dataSensitivity: 'restricted',
    ownerTeam: 'data',
    kinds: ['http.request'],
    address: 'http://prod-db.internal:8080',
    requesters: ['deploy-bot', 'payments-agent'],
  },
  {
    name: 'ledger',
    environment: 'staging',
    dataSensitivity: 'confidential',
    ownerTeam: 'finance',
    kinds: ['http.request'],
    address: 'http://ledger.internal:8080',
    requesters: ['payments-agent'],
  },
];

/** The verified submission envelope behind a command: its id, signer and data, signed. */
export function submissionEnvelope(submissionId = SUBMISSION_ID, payload: unknown = submissionPayload(), signer = REQUESTER): Envelope {
  return fixtureEnvelope({ id: submissionId, type: EventTypes.RequestSubmitted, signer, time: NOW, data: payload });
}

export const handleSubmission = (overrides: Partial<HandleSubmission> = {}): HandleSubmission => {
  const command: Omit<HandleSubmission, 'submission'> = {
    type: 'HandleSubmission',
    submissionId: SUBMISSION_ID,
    requester: REQUESTER,
    subjectRequester: 'deploy-bot',
    payload: submissionPayload(),
    registration: { registered: true, allowedKinds: ['http.request'], allowedEnvironments: ['dev', 'staging'] },
    targets: TARGETS,
    now: NOW,
    defaultWindowSeconds: 3600,
    admission: ADMITTED,
    ...overrides,
  };
  const { submissionId, payload, requester } = command;
  return { ...command, submission: overrides.submission ?? submissionEnvelope(submissionId, payload, requester) };
};

export const notifyOutcome = (overrides: Partial<NotifyOutcome> = {}): NotifyOutcome => ({
  type: 'NotifyOutcome',
  requestId: REQUEST_ID,
  outcome: 'approved',
  causationEventId: APPROVED_EVENT_ID,
  now: '2026-11-21T10:05:00.000Z',
  ...overrides,
});

export const canonicalAction = (window = { notBefore: NOW, notAfter: '2026-11-21T11:00:00.000Z' }): CanonicalAction => ({
  kind: 'http.request',
  target: 'billing-api',
  environment: 'staging',
  dataSensitivity: 'internal',
  ownerTeam: 'billing',
  targetAddress: 'http://billing-api.internal:8080',
  parameters: { path: '/v1/refresh' },
  window,
  requestId: REQUEST_ID,
});

export function acceptedEvents(
  submissionId = SUBMISSION_ID,
  action = canonicalAction(),
  payload: unknown = submissionPayload(),
): [RequestAccepted, RequesterNotified] {
  const acceptedId = deterministicId(submissionId, IdTags.accepted);
  return [
    {
      id: acceptedId,
      type: EventTypes.RequestAccepted,
      time: NOW,
      data: {
        requestId: REQUEST_ID,
        requester: REQUESTER,
        submissionId,
        action,
        digest: actionDigest(action),
        reason: 'nightly cache refresh',
        acceptedAt: NOW,
        submission: submissionEnvelope(submissionId, payload),
      },
    },
    {
      id: deterministicId(submissionId, IdTags.notified),
      type: EventTypes.RequesterNotified,
      time: NOW,
      data: {
        requestId: REQUEST_ID,
        submissionId,
        requester: REQUESTER,
        outcome: 'accepted',
        causationEventId: acceptedId,
        notifiedAt: NOW,
        action,
      },
    },
  ];
}

interface RejectionOptions {
  submissionId?: string;
  requester?: string;
  requestId?: string | undefined;
  tags?: [rejected: string, notified: string];
  /** The signed submission the rejection carries for audit (a refusal of what it asked for). */
  submission?: Envelope;
}

export function rejectedEvents(errors: FieldError[], options: RejectionOptions = {}): [RequestRejected, RequesterNotified] {
  const { submissionId = SUBMISSION_ID, requester = REQUESTER, tags = [IdTags.rejected, IdTags.notified] } = options;
  const requestId = 'requestId' in options ? options.requestId : REQUEST_ID;
  const ids = requestId === undefined ? {} : { requestId };
  const rejectedId = deterministicId(submissionId, tags[0]);
  return [
    {
      id: rejectedId,
      type: EventTypes.RequestRejected,
      time: NOW,
      data: { ...ids, requester, submissionId, errors, rejectedAt: NOW, ...(options.submission ? { submission: options.submission } : {}) },
    },
    {
      id: deterministicId(submissionId, tags[1]),
      type: EventTypes.RequesterNotified,
      time: NOW,
      data: { ...ids, outcome: 'rejected', errors, causationEventId: rejectedId, submissionId, requester, notifiedAt: NOW },
    },
  ];
}
