/** Test-only exports: the shared contract suite both adapters (and any future one) must pass. */
export { describeEventStoreContract, type EventStoreUnderTest } from './event-store.contract';
/**
 * Fake KurrentDB clients for unit tests of code built on the KurrentDB adapter: `fakeClient` (jest
 * mocks to script by hand) and `FakeKurrentDb` (stateful, answering as the 1.3.1 client does, with
 * faults to inject).
 */
export { FakeKurrentDb, FakeSubscription, bridgeFailure, fakeClient, grpcUnavailable, iterate, resolved } from './kurrentdb-fake-client';
/** A store that records where each stream read starts (tests of folds and snapshots). */
export { recordingReads } from './recording-reads';
