/** Test-only exports: the shared contract suite both adapters (and any future one) must pass. */
export { describeEventStoreContract, type EventStoreUnderTest } from './event-store.contract';
