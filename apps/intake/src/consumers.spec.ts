import { Consumers, EVENT_TYPES, EventTypes, SERVICE_NAMES, Streams, Subjects, type ServiceName } from '@countersign/contracts';
import { OUTCOME_EVENT_TYPES } from '@countersign/intake-domain';

/** The service that emits a type intake tells requesters about (every outcome type has one). */
const emitterOf = (type: (typeof OUTCOME_EVENT_TYPES)[number]): ServiceName =>
  (EVENT_TYPES[type].emitter as { service: ServiceName }).service;

const eventFilters = Consumers.intake
  .filter((consumer) => consumer.stream === Streams.events.name)
  .map((consumer) => consumer.filterSubject);

describe("intake's consumers of other services' events", () => {
  it('receive every type intake has an outcome for, on a consumer of its own', () => {
    for (const type of OUTCOME_EVENT_TYPES) {
      expect(eventFilters.filter((filter) => filter === Subjects.serviceEvent(emitterOf(type), type))).toHaveLength(1);
    }
  });

  it('receive the dead letters of every service, which may strand a request', () => {
    for (const service of SERVICE_NAMES) {
      expect(eventFilters).toContain(Subjects.serviceEvent(service, EventTypes.MessageDeadLettered));
    }
  });

  it('receive nothing else: a type without a handler would be verified and acked for nothing', () => {
    const wanted = [
      ...OUTCOME_EVENT_TYPES.map((type) => Subjects.serviceEvent(emitterOf(type), type)),
      ...SERVICE_NAMES.map((service) => Subjects.serviceEvent(service, EventTypes.MessageDeadLettered)),
    ];
    expect([...eventFilters].sort()).toEqual([...wanted].sort());
  });

  it('have durable names of their own', () => {
    const durables = Consumers.intake.map((consumer) => consumer.durable);
    expect(new Set(durables).size).toBe(durables.length);
  });
});
