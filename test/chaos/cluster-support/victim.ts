import { Streams } from '@countersign/contracts';
import { connectAs, type Stack } from '@countersign/stack';
import type { RunningNatsCluster } from '@countersign/testing';

export interface Victim {
  index: number;
  name: string;
  why: string;
  /** Client connections (by name) on that node when it was picked: the services it takes down with it. */
  clients: string[];
}

/**
 * The node to kill (CLUSTER_KILL): `events-leader` (default; the leader of CS_EVENTS, which every
 * service publishes to and consumes from), `meta-leader`, or a node index.
 */
export async function pickVictim(stack: Stack, cluster: RunningNatsCluster, choice: string): Promise<Victim> {
  const { name, why } = await victimName(stack, cluster, choice);
  const index = cluster.indexOf(name);
  if (index < 0) throw new Error(`no cluster node named ${name}`);
  return { index, name, why, clients: await clientsOn(cluster, index) };
}

async function victimName(stack: Stack, cluster: RunningNatsCluster, choice: string): Promise<{ name: string; why: string }> {
  if (choice === 'meta-leader') return { name: await cluster.waitForMetaLeader(), why: 'JetStream meta leader' };
  if (/^\d+$/.test(choice)) return { name: cluster.nodes[Number(choice)]?.name ?? `#${choice}`, why: `node ${choice}` };
  const nc = await connectAs(stack, 'provisioner');
  try {
    const info = await (await nc.jetstreamManager()).streams.info(Streams.events.name);
    return { name: info.cluster?.leader ?? '', why: `${Streams.events.name} stream leader` };
  } finally {
    await nc.close();
  }
}

async function clientsOn(cluster: RunningNatsCluster, index: number): Promise<string[]> {
  const node = cluster.nodes[index];
  if (!node) return [];
  const response = await fetch(`http://127.0.0.1:${node.httpPort}/connz?limit=1024`);
  const body = (await response.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).map((connection) => connection.name ?? '?').sort();
}

/** Waits until the restarted node leads or is a current replica of every stream again. */
export async function rejoined(stack: Stack, name: string, deadline: number): Promise<boolean> {
  const nc = await connectAs(stack, 'provisioner');
  try {
    const jsm = await nc.jetstreamManager();
    const isCurrent = async (stream: string) => {
      const cluster = (await jsm.streams.info(stream)).cluster;
      const replica = cluster?.replicas?.find((peer) => peer.name === name);
      return cluster?.leader === name || (replica?.current === true && !replica.offline);
    };
    for (;;) {
      const current = await Promise.all(Object.values(Streams).map((stream) => isCurrent(stream.name).catch(() => false)));
      if (current.every(Boolean)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await nc.close();
  }
}
