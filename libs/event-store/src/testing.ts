/** Test-only exports: the shared contract suite both adapters (and any future one) must pass. */
export { describeEventStoreContract, type EventStoreUnderTest } from './event-store.contract';
/** A fake KurrentDB client (jest mocks) for unit tests of code built on the KurrentDB adapter. */
export { FakeSubscription, fakeClient, iterate, resolved } from './kurrentdb-fake-client';
