/** Test-only exports: signed test envelopes, a NATS server with the real permissions, and bus readers. */
export * from './envelopes';
export * from './processor-harness';
export * from './secured-nats';
export * from './stream-reader';
export * from './wait';
