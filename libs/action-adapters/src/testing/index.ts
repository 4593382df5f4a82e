/** Test-only exports: an HTTP server that records what an adapter sent. */
export * from './recording-server';
