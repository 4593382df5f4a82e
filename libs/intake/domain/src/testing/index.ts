/** Test-only exports: submissions, the target registry and the events intake answers with. */
export * from './intake.fixtures';
