export { toMillis, toSeconds } from '@countersign/decider';
