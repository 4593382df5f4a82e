// `@countersign/executor/testing`: what tests outside the executor may use of it. The credential
// opener is the executor's own check of a sealed credential, so a forged token is judged by the
// code that runs in production. Production code may not import this entry point.
export { openCredential } from '../credential-opener';
