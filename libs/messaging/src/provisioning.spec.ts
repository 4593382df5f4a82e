import { Consumers, Streams } from '@countersign/contracts';
import { nanos } from 'nats';
import { DEFAULT_JETSTREAM_SETTINGS, consumerConfigFor, diffConfig, streamConfigFor } from './provisioning';

describe('JetStream configuration', () => {
  it('makes only the immutable stream refuse purge and message deletion, with an explicit duplicate window', () => {
    expect(streamConfigFor(Streams.audit, DEFAULT_JETSTREAM_SETTINGS)).toMatchObject({
      deny_delete: true,
      deny_purge: true,
      duplicate_window: nanos(15 * 60_000),
    });
    expect(streamConfigFor(Streams.events, DEFAULT_JETSTREAM_SETTINGS)).toMatchObject({ deny_delete: false, deny_purge: false });
  });

  it('makes durable pull consumers with explicit acks and one filter subject', () => {
    const config = consumerConfigFor(Consumers.broker[1]!, DEFAULT_JETSTREAM_SETTINGS);
    expect(config).toMatchObject({
      durable_name: 'broker-approval',
      filter_subject: 'cs.evt.approval.>',
      ack_policy: 'explicit',
      deliver_policy: 'all',
    });
    expect(config).not.toHaveProperty('deliver_subject');
  });

  it('gives streams and durable consumers the configured replicas', () => {
    const settings = { ...DEFAULT_JETSTREAM_SETTINGS, replicas: 3 };
    expect(streamConfigFor(Streams.events, settings).num_replicas).toBe(3);
    for (const consumer of Object.values(Consumers).flat()) expect(consumerConfigFor(consumer, settings).num_replicas).toBe(3);
  });
});

describe('diffConfig', () => {
  it('ignores subject order, server-filled fields and omitted false flags', () => {
    const desired = { subjects: ['a.>', 'b.>'], deny_purge: false, max_msg_size: 10 };
    const actual = { subjects: ['b.>', 'a.>'], max_msg_size: 10, first_seq: 1 };
    expect(diffConfig('stream S', desired, actual)).toEqual([]);
  });

  it('names every differing field with both values', () => {
    expect(diffConfig('stream S', { max_msg_size: 10, deny_delete: true }, { max_msg_size: 5, deny_delete: false })).toEqual([
      { resource: 'stream S', field: 'max_msg_size', expected: 10, actual: 5 },
      { resource: 'stream S', field: 'deny_delete', expected: true, actual: false },
    ]);
  });

  it("takes a consumer's inherited replicas (reported as 0) as its stream's, but flags a stated different count", () => {
    expect(diffConfig('consumer S/c', { num_replicas: 3 }, { num_replicas: 0 })).toEqual([]);
    expect(diffConfig('consumer S/c', { num_replicas: 3 }, { num_replicas: 1 })).toEqual([
      { resource: 'consumer S/c', field: 'num_replicas', expected: 3, actual: 1 },
    ]);
    expect(diffConfig('stream S', { num_replicas: 3 }, { num_replicas: 1 })).toHaveLength(1);
  });

  it('flags a push consumer squatting on a pull consumer name', () => {
    expect(diffConfig('consumer S/c', { durable_name: 'c' }, { durable_name: 'c', deliver_subject: 'x' })).toEqual([
      { resource: 'consumer S/c', field: 'deliver_subject', expected: undefined, actual: 'x' },
    ]);
  });
});
