/** Test-only exports: the broker's request, approval and receipt fixtures. */
export * from './credential.fixtures';
