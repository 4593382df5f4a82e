import { natsServerListProblem, natsServers } from './nats-servers';

describe('NATS server lists', () => {
  it('takes one URL, a comma-separated cluster list or an array', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(natsServers('nats://nats-1:4222, nats://nats-2:4222,tls://nats-3:4222')).toEqual([
      'nats://nats-1:4222',
      'nats://nats-2:4222',
      'tls://nats-3:4222',
    ]);
    expect(natsServers(['nats://a:1', 'nats://b:2'])).toEqual(['nats://a:1', 'nats://b:2']);
  });

  it('names bad entries by position, never by content (a URL may carry a password)', () => {
    expect(natsServerListProblem('nats://a:1,,http://u:secret@b:2')).toBe(
      'entry 2, 3 of the NATS server list is not a nats:// or tls:// URL (a list is comma-separated)',
    );
    expect(() => natsServers('nats://a:1 nats://b:2')).toThrow(/entry 1 /);
    expect(natsServerListProblem([])).toBe('no NATS server URL given');
  });
});
