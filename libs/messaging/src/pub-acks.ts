import {
  createInbox,
  headers as natsHeaders,
  type ConnectionOptions,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from 'nats';

/** nats.js's own default for a JetStream publish's PubAck. */
export const DEFAULT_PUB_ACK_TIMEOUT_MS = 5_000;

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  subject: string;
}

/**
 * JetStream publishes whose PubAcks come back on one long-lived reply subscription, matched by
 * the reply subject's last token. What `js.publish` does, minus its per-request costs: nats.js
 * builds each request a stack-capturing Error and a timeout NatsError up front, and a `Cancelled`
 * NatsError with a stack trace after every successful answer (RequestOne.cancel), about 17 µs of
 * the relay's CPU per event. The same answers are refused: a JetStream API error, an ack naming no
 * stream, a status reply (503: no stream takes the subject), and no answer in time. A publish the
 * server refuses for permissions surfaces as a timeout here (nats.js fails that one at once).
 */
export class PubAckRequests {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiting>();
  private subscription: Subscription | undefined;
  private sequence = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = DEFAULT_PUB_ACK_TIMEOUT_MS,
  ) {
    // The connection's own inbox prefix: the only one its user may subscribe to (see connection.ts).
    const { inboxPrefix } = (nc as NatsConnection & { options?: ConnectionOptions }).options ?? {};
    this.prefix = `${createInbox(inboxPrefix)}.`;
  }

  /** Resolves once JetStream stored the message (or recognised its `msgId` as a duplicate). */
  publish(subject: string, data: Uint8Array, msgId: string, headers: MsgHdrs = natsHeaders()): Promise<void> {
    headers.set('Nats-Msg-Id', msgId);
    const token = String((this.sequence += 1));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(token, new Error(`no PubAck for ${subject} within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting.set(token, { resolve, reject, timer, subject });
      try {
        this.listen();
        this.nc.publish(subject, data, { reply: this.prefix + token, headers });
      } catch (error) {
        this.settle(token, error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Ends the reply subscription; whatever still waits is refused. */
  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const token of [...this.waiting.keys()]) this.settle(token, new Error('PubAck subscription closed'));
  }

  /** (Re)subscribes when there is no open subscription: a closed connection or a refused one ended it. */
  private listen(): void {
    if (this.subscription && !this.subscription.isClosed()) return;
    this.subscription = this.nc.subscribe(`${this.prefix}*`, { callback: (error, msg) => this.answer(error, msg) });
  }

  private answer(error: Error | null, msg: Msg): void {
    if (error) {
      for (const token of [...this.waiting.keys()]) this.settle(token, error);
      return;
    }
    const token = msg.subject.slice(this.prefix.length);
    const waiting = this.waiting.get(token);
    if (waiting) this.settle(token, pubAckProblem(msg, waiting.subject));
  }

  private settle(token: string, problem: Error | undefined): void {
    const waiting = this.waiting.get(token);
    if (!waiting) return; // answered already (a late reply after a timeout)
    this.waiting.delete(token);
    clearTimeout(waiting.timer);
    if (problem) waiting.reject(problem);
    else waiting.resolve();
  }
}

/** Why a reply is not a PubAck for a stored message, or undefined when it is one. */
export function pubAckProblem(msg: Pick<Msg, 'headers' | 'data'>, subject: string): Error | undefined {
  if (msg.headers?.hasError) {
    const { code, description } = msg.headers;
    return new Error(code === 503 ? `no responders: no stream takes ${subject} (503)` : `${code} ${description}`);
  }
  let reply: { stream?: unknown; error?: { code?: unknown; description?: unknown } };
  try {
    reply = JSON.parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8')) as typeof reply;
  } catch {
    return new Error(`unreadable PubAck for ${subject}`);
  }
  if (reply.error) return new Error(`${String(reply.error.description)} (${String(reply.error.code)})`);
  if (typeof reply.stream !== 'string' || reply.stream === '') return new Error(`invalid PubAck for ${subject}: no stream`);
  return undefined;
}
