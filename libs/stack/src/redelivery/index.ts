// Test support for the redelivery property tests: honest flows recorded on the real stack, and one
// service run in-process on them. Not exported from the package root, so `npm start` never loads it.
export * from './in-process-service';
export * from './recorded-flows';
export * from './redelivery-check';
