import {
  Consumers,
  Streams,
  Subjects,
  channelConsumer,
  requesterConsumer,
  siemConsumer,
  targetConsumer,
  type ConsumerSpec,
  type ServiceName,
} from '@countersign/contracts';

export interface SubjectPermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[]; deny: string[] };
}

export type Principal =
  | { kind: 'service'; name: ServiceName }
  | { kind: 'requester'; name: string }
  | { kind: 'approver'; name: string }
  | { kind: 'siem'; name: string }
  | { kind: 'operator'; name: string }
  | { kind: 'target'; name: string }
  | { kind: 'channel'; name: string }
  | { kind: 'provisioner' };

/** The NATS user name of a principal; also the token of its private inbox prefix. */
export function natsUserName(principal: Principal): string {
  return principal.kind === 'provisioner'
    ? 'provisioner'
    : principal.kind === 'service'
      ? principal.name
      : `${principal.kind}-${principal.name}`;
}

export function inboxPrefix(principal: Principal): string {
  return `_INBOX_${natsUserName(principal)}`;
}

/** No identity that runs the pipeline may reshape or erase JetStream state. */
const JETSTREAM_ADMIN = [
  '$JS.API.STREAM.CREATE.>',
  '$JS.API.STREAM.UPDATE.>',
  '$JS.API.STREAM.DELETE.>',
  '$JS.API.STREAM.PURGE.>',
  '$JS.API.STREAM.MSG.DELETE.>',
  '$JS.API.CONSUMER.DELETE.>',
  '$JS.API.CONSUMER.CREATE.>',
  '$JS.API.CONSUMER.DURABLE.CREATE.>',
  '$JS.API.STREAM.RESTORE.>',
  '$JS.API.STREAM.SNAPSHOT.>',
];

const AUDIT_ERASURE = [
  `$JS.API.STREAM.UPDATE.${Streams.audit.name}`,
  `$JS.API.STREAM.DELETE.${Streams.audit.name}`,
  `$JS.API.STREAM.PURGE.${Streams.audit.name}`,
  `$JS.API.STREAM.MSG.DELETE.${Streams.audit.name}`,
];

/** What a durable pull consumer's owner must be able to say to the server, and nothing more. */
function pullConsumer(consumer: Pick<ConsumerSpec, 'stream' | 'durable'>): string[] {
  return [
    `$JS.API.CONSUMER.INFO.${consumer.stream}.${consumer.durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${consumer.stream}.${consumer.durable}`,
    `$JS.ACK.${consumer.stream}.${consumer.durable}.>`,
  ];
}

function ownPublishes(name: ServiceName): string[] {
  const extra: Partial<Record<ServiceName, string[]>> = {
    intake: ['cs.notify.*'],
    audit: [Subjects.auditRecords, Subjects.auditCheckpoints],
  };
  return [`cs.evt.${name}.>`, ...(extra[name] ?? [])];
}

function permissions(
  principal: Principal,
  publish: string[],
  deny: string[] = JETSTREAM_ADMIN,
  subscribe: string[] = [],
): SubjectPermissions {
  return {
    publish: { allow: ['$JS.API.INFO', ...publish], deny },
    subscribe: { allow: [`${inboxPrefix(principal)}.>`, ...subscribe], deny: [] },
  };
}

/**
 * Read-only access for the operator's status and audit commands: stream info and reads of single
 * messages. No consumers and no acks, so the operator can never take a message meant for a service.
 */
function readOnlyStreams(): string[] {
  const streams = [Streams.audit.name, Streams.events.name, Streams.notifications.name];
  return streams.flatMap((stream) => [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.MSG.GET.${stream}`]);
}

/** The whole permission model in one function: every principal's allow and deny lists. */
export function natsPermissionsFor(principal: Principal): SubjectPermissions {
  switch (principal.kind) {
    case 'service': {
      const consumers = Consumers[principal.name];
      const streams = [...new Set(consumers.map((c) => c.stream))];
      return permissions(principal, [
        ...ownPublishes(principal.name),
        ...streams.map((stream) => `$JS.API.STREAM.INFO.${stream}`),
        ...consumers.flatMap(pullConsumer),
      ]);
    }
    case 'requester':
      // Its own notifications: live on the subject, or from its durable consumer (the MCP gateway).
      return permissions(
        principal,
        [Subjects.submit(principal.name), ...pullConsumer(requesterConsumer(principal.name))],
        JETSTREAM_ADMIN,
        [Subjects.notify(principal.name)],
      );
    case 'approver':
      return permissions(principal, [Subjects.vote(principal.name)]);
    case 'siem':
      return permissions(principal, [`$JS.API.STREAM.INFO.${Streams.audit.name}`, ...pullConsumer(siemConsumer(principal.name))]);
    case 'target':
      // Reads the broker's revocations through its own durable consumer; publishes no event at all.
      return permissions(principal, pullConsumer(targetConsumer(principal.name)));
    case 'channel':
      // Relays votes on its own subject and follows approval's events to keep its cards current.
      return permissions(principal, [
        Subjects.relayedVote(principal.name),
        `$JS.API.STREAM.INFO.${Streams.events.name}`,
        ...pullConsumer(channelConsumer(principal.name)),
      ]);
    case 'operator':
      // Reads single messages only; the operator never publishes events nor touches consumers.
      return permissions(principal, readOnlyStreams(), [...JETSTREAM_ADMIN, ...AUDIT_ERASURE]);
    case 'provisioner':
      // Shapes streams and consumers at start-up; cannot forge events or erase the audit trail.
      return { publish: { allow: ['$JS.API.>'], deny: AUDIT_ERASURE }, subscribe: { allow: [`${inboxPrefix(principal)}.>`], deny: [] } };
  }
}
