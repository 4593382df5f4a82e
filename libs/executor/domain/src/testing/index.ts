/** Test-only exports: the chain the executor re-checks, with each link overridable. */
export * from './chain.fixtures';
