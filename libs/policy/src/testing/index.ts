/** Test-only exports: a base policy document and the requests it is evaluated against. */
export * from './policy.fixtures';
