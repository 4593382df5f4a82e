import { connect } from 'nats';
import { startNatsServer } from './nats-server';

describe('nats-server harness', () => {
  it('starts a real server on a free loopback port, restarts it and stops it', async () => {
    const server = await startNatsServer();
    try {
      let nc = await connect({ servers: server.url });
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
      await server.restart();
      nc = await connect({ servers: server.url });
      await nc.close();
    } finally {
      await server.stop();
    }
  });
});
