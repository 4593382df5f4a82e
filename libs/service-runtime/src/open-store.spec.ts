import { randomUUID } from 'node:crypto';
import { SERVICE_NAMES } from '@countersign/contracts';
import { KurrentDbEventStore, aclFor, kurrentDbAccessPlan, policyFor, type KurrentClient } from '@countersign/event-store';
import { fakeClient } from '@countersign/event-store/testing';
import { kurrentDbStoreOptions } from './open-store';

const plan = kurrentDbAccessPlan({ services: SERVICE_NAMES, mode: 'stream-policy' });
const aclPlan = kurrentDbAccessPlan({ services: SERVICE_NAMES, mode: 'acl' });

describe('the KurrentDB store each service opens', () => {
  it.each(SERVICE_NAMES)('puts every stream %s writes where the stream policy lets only it write', async (service) => {
    const client = fakeClient();
    client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n, position: { commit: 1n, prepare: 1n } });
    const store = new KurrentDbEventStore(client as unknown as KurrentClient, kurrentDbStoreOptions(service));

    for (const stream of ['request-1', 'execution-1', 'seen-1', 'deadletters', 'audit-log']) {
      await store.append(stream, [{ id: randomUUID(), type: 'test.happened.v1', data: {} }], 'any');
    }
    await store.checkpoints().save('relay', 1);

    const written = client.appendToStream.mock.calls.map((call) => call[0] as string);
    expect(written).toHaveLength(6);
    const policy = plan.streamPolicy;
    if (!policy) throw new Error('stream-policy mode has a stream policy');
    for (const stream of written) expect(policyFor(policy, stream).$w).toEqual([service]);
    // The checkpoint stream is the one provisioning caps, since the service may not set metadata itself.
    expect(plan.streamMetadata.map((entry) => entry.stream)).toContain(written[5]);
    // Without a licence (ACL mode) the checkpoint stream carries its own ACL: the service alone writes it.
    expect(aclFor(aclPlan, written[5] ?? '').$w).toEqual([service]);
    expect(client.setStreamMetadata).not.toHaveBeenCalled();
  });
});
