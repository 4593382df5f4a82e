import {
  Consumers,
  EVENT_TYPES,
  SERVICE_NAMES,
  Streams,
  Subjects,
  channelConsumer,
  requesterConsumer,
  siemConsumer,
  targetConsumer,
  type ConsumerSpec,
  type Emitter,
} from '@countersign/contracts';
import {
  durableConsumersOf,
  inboxPrefix,
  natsPermissionsFor,
  natsPrincipalsOf,
  natsUserName,
  type IdentityDescription,
  type Principal,
} from '@countersign/identity';
import type { Probe, Verdict } from './bus-probe';
import { permitted } from './subjects';

export type SubjectClass =
  | 'service events'
  | 'submissions'
  | 'votes'
  | 'notifications'
  | 'audit records'
  | 'stream admin API'
  | 'consumer admin API'
  | 'pull from a durable'
  | 'reply into an inbox'
  | 'subscribe';

export interface Cell {
  principal: Principal;
  user: string;
  cls: SubjectClass;
  probe: Probe;
  /** What natsPermissionsFor (the one declarative permission model) says the server will do. */
  expected: Verdict;
  /** Why the security properties forbid this, independently of the model; undefined when they allow it. */
  forbidden?: string;
  /** Would change JetStream state if allowed: probed only when the model expects a denial. */
  destructive: boolean;
}

const STREAM_VERBS = ['CREATE', 'UPDATE', 'DELETE', 'PURGE', 'MSG.DELETE'] as const;
const DESTRUCTIVE = /^\$JS\.API\.(STREAM\.(DELETE|PURGE)|CONSUMER\.DELETE)\./;
const NO_WAIT_PULL = JSON.stringify({ batch: 1, no_wait: true });

function serviceEventSubjects(): string[] {
  const subjects = new Set<string>();
  for (const [type, spec] of Object.entries(EVENT_TYPES)) {
    const emitter: Emitter = spec.emitter;
    if ('service' in emitter) subjects.add(Subjects.serviceEvent(emitter.service, type));
    if ('anyService' in emitter) for (const service of SERVICE_NAMES) subjects.add(Subjects.serviceEvent(service, type));
  }
  return [...subjects];
}

/** Every probe for one principal: each subject class of the brief, published and subscribed. */
function probesFor(principal: Principal, description: IdentityDescription, everyone: readonly Principal[]): Array<[SubjectClass, Probe]> {
  const onStream = (cls: SubjectClass, subject: string): [SubjectClass, Probe] => [cls, { action: 'publish', via: 'jetstream', subject }];
  const api = (cls: SubjectClass, subject: string, payload = ''): [SubjectClass, Probe] => [
    cls,
    { action: 'publish', via: 'request', subject, payload },
  ];
  const sub = (subject: string): [SubjectClass, Probe] => ['subscribe', { action: 'subscribe', subject }];
  const streams = Object.values(Streams).map((stream) => stream.name);
  const others = everyone.filter((other) => natsUserName(other) !== natsUserName(principal));
  return [
    ...serviceEventSubjects().map((subject) => onStream('service events', subject)),
    ...description.requesters.map(({ name }) => onStream('submissions', Subjects.submit(name))),
    ...description.approvers.map(({ name }) => onStream('votes', Subjects.vote(name))),
    ...(description.channels ?? []).map((name) => onStream('votes', Subjects.relayedVote(name))),
    ...description.requesters.map(({ name }) => onStream('notifications', Subjects.notify(name))),
    onStream('audit records', Subjects.auditRecords),
    onStream('audit records', Subjects.auditCheckpoints),
    ...streams.flatMap((stream) => STREAM_VERBS.map((verb) => api('stream admin API', `$JS.API.STREAM.${verb}.${stream}`))),
    ...streams.flatMap((stream) => [
      api('consumer admin API', `$JS.API.CONSUMER.CREATE.${stream}`),
      api('consumer admin API', `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.security-probe`),
    ]),
    ...durableConsumersOf(description).flatMap((consumer) => [
      api('consumer admin API', `$JS.API.CONSUMER.DELETE.${consumer.stream}.${consumer.durable}`),
      api('pull from a durable', `$JS.API.CONSUMER.MSG.NEXT.${consumer.stream}.${consumer.durable}`, NO_WAIT_PULL),
    ]),
    ...others.map((other) => api('reply into an inbox', `${inboxPrefix(other)}.security-probe`)),
    ...['cs.evt.>', 'cs.submit.>', 'cs.vote.>', 'cs.audit.>', '>', '$JS.API.>'].map(sub),
    ...description.requesters.map(({ name }) => sub(Subjects.notify(name))),
    sub(`${inboxPrefix(principal)}.>`),
    ...others.map((other) => sub(`${inboxPrefix(other)}.>`)),
  ];
}

export function matrixCells(description: IdentityDescription): Cell[] {
  const everyone = natsPrincipalsOf(description);
  return everyone.flatMap((principal) => {
    const permissions = natsPermissionsFor(principal);
    return probesFor(principal, description, everyone).map(([cls, probe]) => {
      const rules = probe.action === 'subscribe' ? permissions.subscribe : permissions.publish;
      const forbidden = forbiddenReason(principal, probe);
      return {
        principal,
        user: natsUserName(principal),
        cls,
        probe,
        expected: permitted(rules, probe.subject) ? 'allowed' : 'denied',
        ...(forbidden ? { forbidden } : {}),
        destructive: probe.action === 'publish' && DESTRUCTIVE.test(probe.subject),
      } satisfies Cell;
    });
  });
}

const nameOf = (principal: Principal) => ('name' in principal ? principal.name : 'provisioner');

/** Owner of a durable: a service owns its `<service>-*`, a SIEM reader `siem-<reader>`, a target `target-<name>`, a channel `channel-<name>`. */
function ownsDurable(principal: Principal, durable: string): boolean {
  if (principal.kind === 'service') return Consumers[principal.name].some((consumer) => consumer.durable === durable);
  const own: Pick<ConsumerSpec, 'durable'>[] = principal.kind === 'siem' ? [siemConsumer(principal.name)] : [];
  if (principal.kind === 'target') own.push(targetConsumer(principal.name));
  if (principal.kind === 'channel') own.push(channelConsumer(principal.name));
  if (principal.kind === 'requester') own.push(requesterConsumer(principal.name));
  return own.some((consumer) => consumer.durable === durable);
}

/**
 * The security properties of issue 3, stated on their own and NOT derived from the permission
 * model: a model that drifted would otherwise be tested against itself.
 */
export function forbiddenReason(principal: Principal, probe: Probe): string | undefined {
  const { kind } = principal;
  const name = nameOf(principal);
  const subject = probe.subject;
  if (probe.action === 'subscribe') {
    if (subject === `${inboxPrefix(principal)}.>`) return undefined;
    if (kind === 'requester' && subject === Subjects.notify(name)) return undefined;
    return 'subscribes to nothing but its own inbox (a requester also to its own notifications)';
  }
  const token = subject.split('.')[2];
  const only = (allowed: boolean, reason: string) => (allowed ? undefined : reason);
  if (subject.startsWith('cs.evt.')) return only(kind === 'service' && token === name, 'only a service publishes its own events');
  if (subject.startsWith('cs.submit.'))
    return only(kind === 'requester' && token === name, 'only the requester submits, on its own subject');
  if (subject.startsWith('cs.vote.via.'))
    return only(kind === 'channel' && subject.split('.')[3] === name, 'only the channel relays votes, on its own subject');
  if (subject.startsWith('cs.vote.')) return only(kind === 'approver' && token === name, 'only the approver votes, on its own subject');
  if (subject.startsWith('cs.notify.')) return only(kind === 'service' && name === 'intake', 'only intake notifies requesters');
  if (subject.startsWith('cs.audit.')) return only(kind === 'service' && name === 'audit', 'only audit publishes audit records');
  if (subject.startsWith('_INBOX')) return 'nobody answers into another identity’s inbox';
  if (subject.startsWith('$JS.API.STREAM.') && subject.endsWith(`.${Streams.audit.name}`) && !subject.includes('.CREATE.'))
    return 'nobody erases or reshapes the audit stream (delete, purge, message delete, or an update of its limits)';
  if (subject.startsWith('$JS.API.STREAM.')) return only(kind === 'provisioner', 'only the provisioner shapes streams');
  if (/^\$JS\.API\.CONSUMER\.(DELETE|DURABLE\.CREATE)\./.test(subject))
    return only(kind === 'provisioner', 'only the provisioner creates or deletes durable consumers');
  if (subject.startsWith('$JS.API.CONSUMER.CREATE.'))
    return only(kind === 'provisioner' || kind === 'operator', 'only the provisioner and the operator create consumers');
  if (subject.startsWith('$JS.API.CONSUMER.MSG.NEXT.')) {
    // The provisioner may delete any consumer by design, so pulling from one adds nothing.
    const durable = subject.split('.').at(-1) ?? '';
    return only(kind === 'provisioner' || ownsDurable(principal, durable), 'only its owner pulls from a durable consumer');
  }
  return undefined;
}
