import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { NatsConnection } from 'nats';
import { Consumers, SERVICE_NAMES, Streams, siemConsumer } from '@countersign/contracts';
import { HomeLayout } from '@countersign/identity';

/** Totals the pipeline's own work, so per-request counts come from the run rather than from a model. */
export interface WorkCounters {
  published: number;
  delivered: number;
  appended: number;
}

export async function readCounters(provisioner: NatsConnection, home: string, siemReaders: string[]): Promise<WorkCounters> {
  const jsm = await provisioner.jetstreamManager();
  let published = 0;
  for (const stream of Object.values(Streams)) published += (await jsm.streams.info(stream.name)).state.messages;
  let delivered = 0;
  const consumers = [...Object.values(Consumers).flat(), ...siemReaders.map((reader) => siemConsumer(reader))];
  for (const consumer of consumers) delivered += (await jsm.consumers.info(consumer.stream, consumer.durable)).delivered.consumer_seq;
  let appended = 0;
  for (const service of SERVICE_NAMES) {
    const file = HomeLayout.data(home, service);
    if (!existsSync(file)) continue;
    const db = new Database(file, { readonly: true });
    appended += (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    db.close();
  }
  return { published, delivered, appended };
}

export function perRequest(before: WorkCounters, after: WorkCounters, requests: number): WorkCounters {
  return {
    published: (after.published - before.published) / requests,
    delivered: (after.delivered - before.delivered) / requests,
    appended: (after.appended - before.appended) / requests,
  };
}

/** Messages stored per subject, over every stream of the bus the connection sees. */
export async function subjectCounts(nc: NatsConnection): Promise<Record<string, number>> {
  const jsm = await nc.jetstreamManager();
  const counts: Record<string, number> = {};
  for (const stream of Object.values(Streams)) {
    const subjects = (await jsm.streams.info(stream.name, { subjects_filter: '>' })).state.subjects ?? {};
    for (const [subject, count] of Object.entries(subjects)) counts[subject] = (counts[subject] ?? 0) + count;
  }
  return counts;
}

/** Events per request by subject, shortened (`cs.evt.intake.request.accepted.v1` -> `intake.request.accepted`). */
export function subjectsPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, number> {
  const perRequest: Record<string, number> = {};
  for (const [subject, count] of Object.entries(after)) {
    const delta = (count - (before[subject] ?? 0)) / requests;
    if (delta > 0) perRequest[subject.replace(/^cs\.(evt\.)?/, '').replace(/\.v1$/, '')] = Math.round(delta * 100) / 100;
  }
  return perRequest;
}
