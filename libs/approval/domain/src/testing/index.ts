/** Test-only exports: approval's fixtures and the scenario harness that runs a policy through the decider. */
export * from './approval.fixtures';
export * from './scenario.harness';
