import { readFileSync } from 'node:fs';
import { connect } from 'nats';
import { startNatsServer } from './nats-server';

/** The program a process runs, from /proc: the bench reads CPU time by these ids. */
const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];

describe('nats-server harness', () => {
  it('starts a real server on a free loopback port, restarts it and stops it, naming its process each time', async () => {
    const server = await startNatsServer();
    try {
      let nc = await connect({ servers: server.url });
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
      const first = server.pids()['nats-server']!;
      expect(commandOf(first)).toBe('nats-server');
      await server.restart();
      const second = server.pids()['nats-server']!;
      expect(second).not.toBe(first);
      expect(commandOf(second)).toBe('nats-server');
      nc = await connect({ servers: server.url });
      await nc.close();
    } finally {
      await server.stop();
    }
    expect(server.pids()).toEqual({});
  });
});
