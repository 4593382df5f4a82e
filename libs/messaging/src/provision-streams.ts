import { Streams } from '@countersign/contracts';
import { durableConsumersOf, loadNatsCredentials, natsCredentialsOf, readKeyFile, type IdentityDescription } from '@countersign/identity';
import { connectNats } from './connection';
import { provisionJetStream, type JetStreamSettings } from './provisioning';

/**
 * The explicit start-up step that shapes JetStream, run as the provisioner identity: every stream,
 * and the consumers of the services and of the described SIEM readers, targets, channels and
 * requesters. Deployment provisioning (tools/provision.ts) and the test stack run this one.
 */
export async function provisionStreams(
  home: string,
  natsUrl: string,
  description: IdentityDescription,
  settings: Partial<JetStreamSettings> = {},
  connection: { keyFile?: string; caFile?: string } = {},
): Promise<void> {
  const credentials = connection.keyFile ? natsCredentialsOf(readKeyFile(connection.keyFile)) : loadNatsCredentials(home, 'provisioner');
  const nc = await connectNats({
    url: natsUrl,
    user: credentials.user,
    seed: credentials.seed,
    ...(connection.caFile ? { caFile: connection.caFile } : {}),
    inboxPrefix: credentials.inboxPrefix,
    name: 'provisioner',
  });
  try {
    const consumers = durableConsumersOf(description);
    const report = await provisionJetStream(nc, { streams: Object.values(Streams), consumers, settings });
    if (report.drifts.length > 0) throw new Error(`JetStream configuration drifted: ${JSON.stringify(report.drifts)}`);
  } finally {
    await nc.close();
  }
}
