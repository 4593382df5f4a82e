import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Splunk's HTTP Event Collector that answers as Splunk documents it: 200
 * `{"text":"Success","code":0}`, 401 code 2 (no token), 403 code 4 (invalid token), 400 code 6
 * (invalid data format, with `invalid-event-number`) / 12 (event field required), 503 code 9
 * (server is busy), and indexer acknowledgement on `/services/collector/ack` per channel.
 */
export interface HecEvent {
  event: Record<string, unknown>;
  fields?: { cs_sequence?: number; cs_record_hash?: string };
  [key: string]: unknown;
}

export class HecReceiver {
  readonly events: HecEvent[] = [];
  readonly answers: number[] = [];
  token: string;
  /** The next n event requests get 503 code 9. */
  busyFor = 0;
  /** A record (by cs_sequence) the collector refuses with 400 code 6. */
  refuseSequence: number | undefined;
  /** Require X-Splunk-Request-Channel and answer with ack ids, confirmed after `ackDelayMs`. */
  ackEnabled = false;
  ackDelayMs = 0;
  private nextAckId = 0;
  private readonly acks = new Map<number, number>();
  private server: Server | undefined;

  constructor(token: string) {
    this.token = token;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  sequences(): number[] {
    return this.events.map((event) => event.fields?.cs_sequence ?? -1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const answer = (status: number, reply: Record<string, unknown>) => {
      this.answers.push(status);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    };
    const auth = req.headers.authorization;
    if (!auth) return answer(401, { text: 'Token is required', code: 2 });
    if (auth !== `Splunk ${this.token}`) return answer(403, { text: 'Invalid token', code: 4 });
    const channel = req.headers['x-splunk-request-channel'];
    if (this.ackEnabled && typeof channel !== 'string') return answer(400, { text: 'Data channel is missing', code: 10 });
    if (req.url === '/services/collector/ack') return answer(200, { acks: this.ackStatus(body) });
    if (req.url !== '/services/collector/event') return answer(404, { text: 'The requested URL was not found on this server.', code: 404 });
    if (this.busyFor > 0) {
      this.busyFor -= 1;
      return answer(503, { text: 'Server is busy', code: 9 });
    }
    const parsed = parseEvents(body);
    if ('invalid' in parsed) return answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': parsed.invalid });
    const missing = parsed.events.findIndex((event) => event.event === undefined);
    if (missing >= 0) return answer(400, { text: 'Event field is required', code: 12, 'invalid-event-number': missing });
    const refused = parsed.events.findIndex((event) => event.fields?.cs_sequence === this.refuseSequence);
    if (refused >= 0) return answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': refused });
    this.events.push(...parsed.events);
    if (!this.ackEnabled) return answer(200, { text: 'Success', code: 0 });
    const ackId = this.nextAckId++;
    this.acks.set(ackId, Date.now() + this.ackDelayMs);
    return answer(200, { text: 'Success', code: 0, ackId });
  }

  private ackStatus(body: string): Record<string, boolean> {
    const ids = (JSON.parse(body) as { acks: number[] }).acks;
    return Object.fromEntries(ids.map((id) => [String(id), (this.acks.get(id) ?? Infinity) <= Date.now()]));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** HEC's batch format: JSON objects one after another (we separate them with newlines). */
function parseEvents(body: string): { events: HecEvent[] } | { invalid: number } {
  const lines = body.split('\n').filter((line) => line.trim() !== '');
  const events: HecEvent[] = [];
  for (const [index, line] of lines.entries()) {
    try {
      events.push(JSON.parse(line) as HecEvent);
    } catch {
      return { invalid: index };
    }
  }
  return { events };
}
