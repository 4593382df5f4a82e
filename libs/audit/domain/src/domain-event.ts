/** An event as the deciders produce it (one shape for every service: see libs/decider). */
export type { DecidedEvent as DomainEvent } from '@countersign/decider';
