import type { NatsConnection } from 'nats';
import {
  assertEnrolled,
  HomeLayout,
  loadOwnKey,
  natsCredentialsOf,
  ReloadingTrustStore,
  type KeyOwner,
  type OwnKey,
} from '@countersign/identity';
import { connectNats, type NatsConnectionSettings } from '@countersign/messaging';

/** Where a process finds its home, its own key and NATS: the part of its config every signer shares. */
export interface OwnIdentityConfig {
  home: string;
  /** Its own key: injected JSON, a file (made on first start), and where its enrollment goes. */
  key: { json?: string; file?: string; enrollmentDir?: string };
  natsUrl: string;
  natsCa?: string;
}

type StartLog = NonNullable<NatsConnectionSettings['logger']>;

/**
 * A signing process's start: its own key (made on first start, its public enrollment written for
 * the operator) and the trust store it verifies with, re-read while it runs. Fails closed when the
 * trust store does not hold the key, since everything it signed would be refused.
 */
export function loadEnrolledKey(config: OwnIdentityConfig, owner: KeyOwner, log: StartLog): { own: OwnKey; trust: ReloadingTrustStore } {
  const own = loadOwnKey({
    home: config.home,
    owner,
    ...(config.key.json ? { keyJson: config.key.json } : {}),
    ...(config.key.file ? { keyFile: config.key.file } : {}),
    ...(config.key.enrollmentDir ? { enrollmentDir: config.key.enrollmentDir } : {}),
  });
  if (own.generated) log.log(`made its own key on first start; enrollment (public keys only) in ${own.enrollmentPath ?? '?'}`);
  const trust = new ReloadingTrustStore(HomeLayout.trust(config.home), log);
  assertEnrolled(trust.current, own);
  return { own, trust };
}

/** Connects to NATS as the key's own user (its seed signs the nonce; its inbox prefix is the one its permissions allow). */
export function connectOwnNats(config: OwnIdentityConfig, own: OwnKey, name: string, logger: StartLog): Promise<NatsConnection> {
  const credentials = natsCredentialsOf(own.file);
  return connectNats({
    url: config.natsUrl.split(','),
    user: credentials.user,
    seed: credentials.seed,
    ...(config.natsCa ? { caFile: config.natsCa } : {}),
    inboxPrefix: credentials.inboxPrefix,
    name,
    logger,
  });
}
