/** Test-only exports: policy bundles on disk (the deploy/ ones and throw-away ones) and requests to check. */
export * from './bundle.fixtures';
