import { loadServiceConfig } from './config';

describe('service configuration: the NATS server list', () => {
  it('takes one URL or every cluster node comma-separated', () => {
    expect(loadServiceConfig('intake', { COUNTERSIGN_NATS_URL: 'nats://127.0.0.1:4222' }).natsUrl).toBe('nats://127.0.0.1:4222');
    const cluster = 'nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222';
    expect(loadServiceConfig('intake', { COUNTERSIGN_NATS_URL: cluster }).natsUrl).toBe(cluster);
  });

  it('refuses a list with an entry that is not a NATS URL, naming the variable and the entry', () => {
    expect(() => loadServiceConfig('intake', { COUNTERSIGN_NATS_URL: 'nats://nats-1:4222;nats://nats-2:4222' })).toThrow(
      'invalid environment for intake: COUNTERSIGN_NATS_URL: entry 1 of the NATS server list is not a nats:// or tls:// URL',
    );
    expect(() => loadServiceConfig('intake', { COUNTERSIGN_NATS_URL: 'nats://nats-1:4222,' })).toThrow(/entry 2 /);
  });
});
