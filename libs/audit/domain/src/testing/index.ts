/** Test-only exports: a complete, signed-shaped chain of custody to break one link at a time. */
export * from './custody.fixtures';
