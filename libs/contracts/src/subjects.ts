import type { Envelope } from './envelope';
import { EventTypes, shortEventType, type EventType } from './event-types';
import { parseIdentityId, SERVICE_NAMES, type ServiceName } from './identity-id';

/**
 * Every subject, stream and durable consumer name lives here. Subjects carry the sender's name in
 * a fixed token, so a NATS permission on that token proves who published.
 */
export const Subjects = {
  submit: (requester: string) => `cs.submit.${requester}`,
  vote: (approver: string) => `cs.vote.${approver}`,
  /** Four tokens, so no approver's `cs.vote.<name>` permission can ever cover it. */
  relayedVote: (channel: string) => `cs.vote.via.${channel}`,
  notify: (requester: string) => `cs.notify.${requester}`,
  serviceEvents: (service: ServiceName) => `cs.evt.${service}.>`,
  serviceEvent: (service: ServiceName, type: string) => `cs.evt.${service}.${type.replace(/^countersign\./, '')}`,
  auditRecords: 'cs.audit.record',
  /** Audit's signed Merkle checkpoints, next to the records they cover (CS_AUDIT). */
  auditCheckpoints: 'cs.audit.checkpoint',
} as const;

export interface StreamSpec {
  name: string;
  subjects: string[];
  description: string;
  /** Streams nobody may ever delete or purge, even the provisioner. */
  immutable: boolean;
}

export const Streams = {
  submissions: {
    name: 'CS_SUBMISSIONS',
    subjects: ['cs.submit.>'],
    description: 'request submissions from upstream systems',
    immutable: false,
  },
  votes: { name: 'CS_VOTES', subjects: ['cs.vote.>'], description: 'signed votes from approvers', immutable: false },
  events: { name: 'CS_EVENTS', subjects: ['cs.evt.>'], description: 'service events relayed from each service store', immutable: false },
  notifications: { name: 'CS_NOTIFY', subjects: ['cs.notify.>'], description: 'outcomes for requesters', immutable: false },
  audit: { name: 'CS_AUDIT', subjects: ['cs.audit.>'], description: 'hash-chained audit records for SIEMs', immutable: true },
} as const satisfies Record<string, StreamSpec>;

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  service: ServiceName;
  /**
   * Durables of the same stream this one takes over (their filters covered its own). Provisioning
   * starts it where they left off rather than at the stream's beginning, then deletes them.
   */
  replaces?: readonly string[];
}

const consumer = (service: ServiceName, stream: StreamSpec, from: string, filterSubject: string, replaces?: string[]): ConsumerSpec => ({
  stream: stream.name,
  durable: `${service}-${from}`,
  filterSubject,
  service,
  ...(replaces ? { replaces } : {}),
});

/**
 * The broker's and the executor's events intake tells requesters about (with approval's, intake's
 * OUTCOME_EVENT_TYPES; apps/intake/src/consumers.spec.ts keeps the lists equal). Only these are
 * delivered to intake: one it has no handler for (credential issued or revoked, execution started)
 * would cost it a verification and an ack for nothing, and nats-server 2.9 allows one filter
 * subject per consumer, so one consumer per type. Nothing depends on their order among themselves:
 * a request ends once, and intake's decider keeps the first ending it told.
 */
const INTAKE_OUTCOMES = {
  broker: [EventTypes.CredentialRefused],
  executor: [EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed, EventTypes.ExecutionInDoubt, EventTypes.ExecutionRefused],
} as const satisfies Partial<Record<ServiceName, readonly EventType[]>>;

/**
 * Approval's events stay on one consumer, in stream order: "escalated, still waiting" must never
 * reach a requester after "approved" or "denied". Its types intake has no handler for do not occur
 * on the auto-approved path.
 */
const INTAKE_WHOLE_SERVICES: readonly ServiceName[] = ['approval'];

/** The whole-service durables the per-type ones above took over (one per service, before). */
const replacedBy = (service: ServiceName) => (service in INTAKE_OUTCOMES ? [`intake-${service}`] : undefined);

/** `request-approved` for `countersign.request.approved.v1`: a durable name may hold no dots. */
const durableToken = (type: EventType) => shortEventType(type).replaceAll('.', '-');

const intakeConsumers = (): ConsumerSpec[] => [
  consumer('intake', Streams.submissions, 'submissions', 'cs.submit.>'),
  ...INTAKE_WHOLE_SERVICES.map((service) => consumer('intake', Streams.events, service, Subjects.serviceEvents(service))),
  ...Object.entries(INTAKE_OUTCOMES).flatMap(([service, types]) =>
    types.map((type) =>
      consumer(
        'intake',
        Streams.events,
        `${service}-${durableToken(type)}`,
        Subjects.serviceEvent(service as ServiceName, type),
        replacedBy(service as ServiceName),
      ),
    ),
  ),
  // Dead letters may strand a request (issue 10): every service's, where no whole-service consumer
  // above brings them already. Intake's own keep the durable name they always had.
  ...SERVICE_NAMES.filter((service) => !INTAKE_WHOLE_SERVICES.includes(service)).map((service) =>
    consumer(
      'intake',
      Streams.events,
      `${service === 'intake' ? 'own' : service}-deadletters`,
      Subjects.serviceEvent(service, EventTypes.MessageDeadLettered),
      replacedBy(service),
    ),
  ),
];

/** One filter subject per consumer: nats-server 2.9 supports no more. */
export const Consumers: Record<ServiceName, ConsumerSpec[]> = {
  intake: intakeConsumers(),
  approval: [
    consumer('approval', Streams.events, 'intake', Subjects.serviceEvents('intake')),
    consumer('approval', Streams.votes, 'votes', 'cs.vote.>'),
  ],
  broker: [
    consumer('broker', Streams.events, 'intake', Subjects.serviceEvents('intake')),
    consumer('broker', Streams.events, 'approval', Subjects.serviceEvents('approval')),
    consumer('broker', Streams.events, 'executor', Subjects.serviceEvents('executor')),
    // Only audit's receipts: the gate before any credential (see audit-receipt.ts).
    consumer('broker', Streams.events, 'audit', Subjects.serviceEvent('audit', EventTypes.AuditReceipt)),
  ],
  executor: [
    consumer('executor', Streams.events, 'intake', Subjects.serviceEvents('intake')),
    consumer('executor', Streams.events, 'approval', Subjects.serviceEvents('approval')),
    consumer('executor', Streams.events, 'broker', Subjects.serviceEvents('broker')),
    consumer('executor', Streams.events, 'audit', Subjects.serviceEvent('audit', EventTypes.AuditReceipt)),
  ],
  audit: [
    consumer('audit', Streams.events, 'events', 'cs.evt.>'),
    consumer('audit', Streams.submissions, 'submissions', 'cs.submit.>'),
    consumer('audit', Streams.votes, 'votes', 'cs.vote.>'),
    consumer('audit', Streams.notifications, 'notifications', 'cs.notify.>'),
  ],
};

/** A SIEM reader's durable consumer on the audit stream. */
export const siemConsumer = (reader: string): ConsumerSpec & { service?: never } =>
  ({ stream: Streams.audit.name, durable: `siem-${reader}`, filterSubject: 'cs.audit.>' }) as ConsumerSpec & { service?: never };

/**
 * A protected target's durable consumer of the broker's credential revocations: durable, so a
 * target that was down catches up on the revocations it missed before it honours another token.
 */
export const targetConsumer = (target: string): ConsumerSpec & { service?: never } =>
  ({
    stream: Streams.events.name,
    durable: `target-${target}`,
    filterSubject: Subjects.serviceEvent('broker', EventTypes.CredentialRevoked),
  }) as ConsumerSpec & { service?: never };

/**
 * A channel's (the Slack edge's) durable consumer of approval's events: it posts a card when a
 * request needs people and updates it with every vote and the outcome.
 */
export const channelConsumer = (channel: string): ConsumerSpec & { service?: never } =>
  ({
    stream: Streams.events.name,
    durable: `channel-${channel}`,
    filterSubject: Subjects.serviceEvents('approval'),
  }) as ConsumerSpec & { service?: never };

/**
 * A requester's durable consumer of its own notifications (the MCP gateway, docs/agents.md):
 * durable, so outcomes that arrive while the gateway is down are read when it comes back.
 */
export const requesterConsumer = (requester: string): ConsumerSpec & { service?: never } =>
  ({
    stream: Streams.notifications.name,
    durable: `requester-${requester}`,
    filterSubject: Subjects.notify(requester),
  }) as ConsumerSpec & { service?: never };

/** The subject an envelope is published on, derived from its type and signer. */
export function subjectFor(envelope: Pick<Envelope, 'type' | 'signer' | 'data'>): string {
  const { name } = parseIdentityId(envelope.signer);
  const type = envelope.type as EventType;
  if (type === EventTypes.RequestSubmitted) return Subjects.submit(name);
  if (type === EventTypes.VoteCast) return Subjects.vote(name);
  if (type === EventTypes.VoteRelayed) return Subjects.relayedVote(name);
  if (type === EventTypes.AuditRecord) return Subjects.auditRecords;
  if (type === EventTypes.AuditCheckpoint) return Subjects.auditCheckpoints;
  if (type === EventTypes.RequesterNotified) {
    const requester = (envelope.data as { requester: string }).requester;
    return Subjects.notify(parseIdentityId(requester).name);
  }
  return Subjects.serviceEvent(name as ServiceName, type);
}

/** Whether a consumer's filter subject takes a subject, as NATS matches them: `*` one token, `>` one or more. */
export function subjectMatches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const tokens = subject.split('.');
  for (const [index, token] of wanted.entries()) {
    if (token === '>') return tokens.length > index;
    if (index >= tokens.length || (token !== '*' && token !== tokens[index])) return false;
  }
  return wanted.length === tokens.length;
}

/** The NATS header that JetStream deduplicates on; we always set it to the event id. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';
