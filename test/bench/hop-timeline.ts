import type { NatsConnection } from 'nats';
import { Streams, Subjects, subjectFor, type Envelope } from '@countersign/contracts';
import { percentile } from './driver';

/** Each stream's last sequence: where a timeline starts reading. */
export type StreamHeads = Record<string, number>;

export async function streamHeads(nc: NatsConnection): Promise<StreamHeads> {
  const jsm = await nc.jetstreamManager();
  const heads: StreamHeads = {};
  for (const stream of Object.values(Streams)) heads[stream.name] = (await jsm.streams.info(stream.name)).state.last_seq;
  return heads;
}

interface Arrival {
  requestId: string;
  event: string;
  at: number;
}

const SUBMITTED = 'submit';

/**
 * Where one request's time goes: for every message stored since `heads`, its JetStream arrival
 * time relative to its request's submission, as the median over the requests. Run after
 * one-at-a-time requests, so each offset is the time the hops before it took, not queueing
 * behind other requests. Both chains publish the same subjects, so the two timelines line up.
 */
export async function hopTimeline(nc: NatsConnection, heads: StreamHeads): Promise<Record<string, number>> {
  const arrivals = await arrivalsSince(nc, heads);
  const submittedAt = new Map(arrivals.filter((arrival) => arrival.event === SUBMITTED).map((arrival) => [arrival.requestId, arrival.at]));
  const offsets = new Map<string, number[]>();
  for (const arrival of arrivals) {
    const start = submittedAt.get(arrival.requestId);
    if (start === undefined) continue;
    const list = offsets.get(arrival.event) ?? offsets.set(arrival.event, []).get(arrival.event)!;
    list.push(arrival.at - start);
  }
  const medians = [...offsets].map(
    ([event, list]) =>
      [
        event,
        percentile(
          list.sort((a, b) => a - b),
          50,
        ),
      ] as const,
  );
  return Object.fromEntries(medians.sort((a, b) => a[1] - b[1]));
}

async function arrivalsSince(nc: NatsConnection, heads: StreamHeads): Promise<Arrival[]> {
  const jsm = await nc.jetstreamManager();
  const arrivals: Arrival[] = [];
  for (const [stream, head] of Object.entries(heads)) {
    const last = (await jsm.streams.info(stream)).state.last_seq;
    for (let seq = head + 1; seq <= last; seq += 1) {
      // A sequence can be missing (a message the stream's limits dropped): skip it.
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!message) continue;
      const envelope = message.json<BusEnvelope>();
      const requestId = envelope.data?.requestId ?? envelope.subject;
      if (requestId) arrivals.push({ requestId, event: eventName(message.subject, envelope), at: message.time.getTime() });
    }
  }
  return arrivals;
}

interface BusEnvelope {
  type?: string;
  signer?: string;
  subject?: string;
  data?: { requestId?: string; outcome?: string; requester?: string; event?: BusEnvelope };
}

/**
 * `cs.evt.intake.request.accepted.v1` -> `intake.request.accepted`; notifications by outcome; audit's
 * records by the event each one chains, named as that event's own line (`record(approval.request.approved)`),
 * so audit's lag behind each event shows.
 */
function eventName(subject: string, envelope: BusEnvelope): string {
  if (subject === Subjects.auditRecords) return `record(${recordedName(envelope.data?.event)})`;
  if (subject.startsWith('cs.notify.')) return `notify.${envelope.data?.outcome ?? '?'}`;
  if (subject.startsWith('cs.submit.')) return SUBMITTED;
  return subject.replace(/^cs\.(evt\.)?/, '').replace(/\.v1$/, '');
}

function recordedName(recorded: BusEnvelope | undefined): string {
  try {
    return eventName(subjectFor(recorded as Envelope), recorded ?? {});
  } catch {
    return recorded?.type ?? '?'; // not an envelope subjectFor can place
  }
}
