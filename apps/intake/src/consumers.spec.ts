import { Consumers, EVENT_TYPES, EventTypes, SERVICE_NAMES, Streams, Subjects, type ServiceName } from '@countersign/contracts';
import { OUTCOME_EVENT_TYPES } from '@countersign/intake-domain';

/** The service that emits a type intake tells requesters about (every outcome type has one). */
const emitterOf = (type: (typeof OUTCOME_EVENT_TYPES)[number]): ServiceName =>
  (EVENT_TYPES[type].emitter as { service: ServiceName }).service;

const eventConsumers = Consumers.intake.filter((consumer) => consumer.stream === Streams.events.name);

/** A filter covers a subject exactly, or with a trailing `>` every subject under its prefix. */
const covers = (filter: string, subject: string) => (filter.endsWith('.>') ? subject.startsWith(filter.slice(0, -1)) : filter === subject);
const deliverersOf = (subject: string) => eventConsumers.filter((consumer) => covers(consumer.filterSubject, subject));

const outcomeSubjects = OUTCOME_EVENT_TYPES.map((type) => Subjects.serviceEvent(emitterOf(type), type));
const deadLetterSubjects = SERVICE_NAMES.map((service) => Subjects.serviceEvent(service, EventTypes.MessageDeadLettered));

describe("intake's consumers of other services' events", () => {
  it('receive every type intake has an outcome for, on exactly one consumer', () => {
    for (const subject of outcomeSubjects) expect(deliverersOf(subject)).toHaveLength(1);
  });

  it('receive the dead letters of every service, which may strand a request, on exactly one consumer', () => {
    for (const subject of deadLetterSubjects) expect(deliverersOf(subject)).toHaveLength(1);
  });

  it("receive approval's events on one consumer, in stream order (never escalated after approved)", () => {
    const approvals = [...outcomeSubjects, ...deadLetterSubjects].filter((subject) => subject.startsWith('cs.evt.approval.'));
    const durables = new Set(approvals.map((subject) => deliverersOf(subject)[0]?.durable));
    expect([...durables]).toEqual(['intake-approval']);
    expect(eventConsumers.find((consumer) => consumer.durable === 'intake-approval')?.filterSubject).toBe(
      Subjects.serviceEvents('approval'),
    );
  });

  it("receive nothing else but approval's other types: one without a handler would be verified and acked for nothing", () => {
    const perType = eventConsumers.filter((consumer) => !consumer.filterSubject.endsWith('.>')).map((consumer) => consumer.filterSubject);
    const wanted = [...outcomeSubjects, ...deadLetterSubjects].filter((subject) => !subject.startsWith('cs.evt.approval.'));
    expect([...perType].sort()).toEqual([...wanted].sort());
    expect(eventConsumers.length - perType.length).toBe(1);
  });

  it('take over where the whole-service durables they replaced left off', () => {
    for (const service of ['broker', 'executor'] as const) {
      const ofService = eventConsumers.filter((consumer) => consumer.filterSubject.startsWith(`cs.evt.${service}.`));
      expect(ofService.length).toBeGreaterThan(0);
      for (const consumer of ofService) expect(consumer.replaces).toEqual([`intake-${service}`]);
    }
    const durables = Consumers.intake.map((consumer) => consumer.durable);
    for (const consumer of Consumers.intake) for (const replaced of consumer.replaces ?? []) expect(durables).not.toContain(replaced);
  });

  it('have durable names of their own', () => {
    const durables = Consumers.intake.map((consumer) => consumer.durable);
    expect(new Set(durables).size).toBe(durables.length);
  });
});
