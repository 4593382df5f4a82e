export { floorToSecond, toIso, toMillis } from '@countersign/decider';
