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

  it('flags a push consumer squatting on a pull consumer name', () => {
    expect(diffConfig('consumer S/c', { durable_name: 'c' }, { durable_name: 'c', deliver_subject: 'x' })).toEqual([
      { resource: 'consumer S/c', field: 'deliver_subject', expected: undefined, actual: 'x' },
    ]);
  });
});
