import { Streams, type ConsumerSpec, type ServiceName } from '@countersign/contracts';
import {
  createNkeySeed,
  inboxPrefix,
  natsPermissionsFor,
  nkeyOf as publicNkeyOf,
  renderNatsConfig,
  type NatsUser,
  type Principal,
} from '@countersign/identity';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import type { NatsConnection } from 'nats';
import { connectNats } from '../connection';
import { provisionJetStream, type JetStreamSettings } from '../provisioning';

/**
 * A real nats-server with the production permission model (the lead's provisioning renders it)
 * plus one unrestricted `admin`, which exists only here: it proves what the stream configuration
 * itself refuses, beneath the permission layer.
 */
export interface SecuredNats {
  server: RunningNatsServer;
  connectAs(user: string): Promise<NatsConnection>;
  /** The test user's NKEY seed, for tests that connect by hand. */
  seed(user: string): string;
  stop(): Promise<void>;
}

/** One fresh NKEY per test user name, made at run time (no seed lives in the repository). */
const seeds = new Map<string, string>();
function seedOf(user: string): string {
  let seed = seeds.get(user);
  if (!seed) {
    seed = createNkeySeed();
    seeds.set(user, seed);
  }
  return seed;
}
const nkeyOf = (user: string) => publicNkeyOf(seedOf(user));

function userFor(principal: Principal, name: string): NatsUser {
  return { user: name, nkey: nkeyOf(name), inboxPrefix: inboxPrefix(principal), permissions: natsPermissionsFor(principal) };
}

export function testNatsUsers(services: ServiceName[]): NatsUser[] {
  const admin: NatsUser = {
    user: 'admin',
    nkey: nkeyOf('admin'),
    inboxPrefix: '_INBOX_admin',
    permissions: { publish: { allow: ['>'], deny: [] }, subscribe: { allow: ['>'], deny: [] } },
  };
  return [
    admin,
    userFor({ kind: 'provisioner' }, 'provisioner'),
    ...services.map((name) => userFor({ kind: 'service', name }, name)),
    userFor({ kind: 'requester', name: 'deploy-bot' }, 'requester-deploy-bot'),
  ];
}

export async function startSecuredNats(services: ServiceName[] = ['intake', 'approval']): Promise<SecuredNats> {
  const users = testNatsUsers(services);
  const server = await startNatsServer({ config: (settings) => renderNatsConfig(settings, users) });
  const connections: NatsConnection[] = [];
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
  return {
    server,
    async connectAs(user) {
      const nc = await connectNats({
        url: server.url,
        user,
        seed: seedOf(user),
        name: `test-${user}`,
        reconnectTimeWaitMs: 100,
        logger: silent,
      });
      connections.push(nc);
      return nc;
    },
    seed: seedOf,
    async stop() {
      await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.close()));
      await server.stop();
    },
  };
}

/** A secured server with every stream and the given consumers provisioned, as the control plane does. */
export async function startProvisionedNats(consumers: ConsumerSpec[], settings: Partial<JetStreamSettings> = {}): Promise<SecuredNats> {
  const nats = await startSecuredNats();
  await provisionJetStream(await nats.connectAs('provisioner'), { streams: Object.values(Streams), consumers, settings });
  return nats;
}
