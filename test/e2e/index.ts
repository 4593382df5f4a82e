// `@countersign/e2e`: the system-test harness other test projects (test/security, test/chaos) build
// on: the pipeline started as processes, its clients and what they read back. Test projects only.
export * from './bus-events';
export * from './clients';
export * from './postgres-scenario';
export * from './rotation';
export * from './scenario';
export * from './ssh-support';
