import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { sleep } from '@countersign/messaging';
import { post, type HttpAnswer } from './http';
import { accepted, errorText, retryLater, stopWith, type Forwardable, type Sink, type SinkOutcome } from './sink';

export interface HecSinkConfig {
  /** Base URL of the collector, e.g. https://splunk.example:8088 */
  url: string;
  token: string;
  index?: string;
  source?: string;
  sourcetype?: string;
  host?: string;
  caFile?: string;
  timeoutMs?: number;
  /** Largest request body; a batch above it is split. Default 512 KiB (Splunk's default limit is far above). */
  maxBatchBytes?: number;
  /** Indexer acknowledgement: a batch counts as accepted only once /services/collector/ack says it is indexed. */
  ack?: { channel?: string; pollMs?: number; timeoutMs?: number };
}

/**
 * Splunk's documented HEC answers, and what the forwarder does with each:
 *   200 code 0              accepted (with indexer ack: once the ack id reports true)
 *   503 code 9 (busy), 18-20 (unhealthy), 500 code 8, other 5xx, 429, network errors: retry with back-off
 *   401 code 2/3, 403 code 1/4 (token missing, invalid or disabled): stop and report, nothing acked
 *   400 code 5/6/12/13/15 (the receiver refuses a record): stop and report the record's sequence;
 *     never skipped, because a hole in the SIEM's copy would look like tampering
 *   400 code 7/10/11/14/16 and any other 4xx: a configuration problem: stop and report
 */
const RECORD_REFUSED = new Set([5, 6, 12, 13, 15]);

export class HecSink implements Sink {
  readonly name: string;
  private readonly channel: string;
  private readonly ca: Buffer | undefined;

  constructor(private readonly config: HecSinkConfig) {
    this.name = `splunk-hec ${new URL(config.url).host}`;
    this.channel = config.ack?.channel ?? randomUUID();
    this.ca = config.caFile ? readFileSync(config.caFile) : undefined;
  }

  async send(records: readonly Forwardable[]): Promise<SinkOutcome> {
    for (const batch of this.batches(records)) {
      const outcome = await this.sendBatch(batch);
      if (!outcome.ok) return outcome;
    }
    return accepted;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private batches(records: readonly Forwardable[]): Array<Array<{ record: Forwardable; line: string }>> {
    const max = this.config.maxBatchBytes ?? 512 * 1024;
    const batches: Array<Array<{ record: Forwardable; line: string }>> = [];
    let current: Array<{ record: Forwardable; line: string }> = [];
    let size = 0;
    for (const record of records) {
      const line = JSON.stringify(this.hecEvent(record));
      if (current.length > 0 && size + line.length > max) {
        batches.push(current);
        current = [];
        size = 0;
      }
      current.push({ record, line });
      size += line.length;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  /** The event envelope; `fields` are indexed fields, so `cs_sequence` de-duplicates in a search. */
  private hecEvent(record: Forwardable): Record<string, unknown> {
    return {
      time: record.ocsf.time / 1000,
      host: this.config.host ?? hostname(),
      source: this.config.source ?? 'countersign',
      sourcetype: this.config.sourcetype ?? 'countersign:ocsf',
      ...(this.config.index ? { index: this.config.index } : {}),
      event: record.ocsf,
      fields: { cs_sequence: record.sequence, cs_record_hash: record.hash, ocsf_class_uid: record.ocsf.class_uid },
    };
  }

  private headers(): Record<string, string> {
    return { authorization: `Splunk ${this.config.token}`, ...(this.config.ack ? { 'x-splunk-request-channel': this.channel } : {}) };
  }

  private async sendBatch(batch: Array<{ record: Forwardable; line: string }>): Promise<SinkOutcome> {
    let answer: HttpAnswer;
    try {
      answer = await post(
        `${this.base()}/services/collector/event`,
        this.headers(),
        batch.map((entry) => entry.line).join('\n'),
        this.options(),
      );
    } catch (error) {
      return retryLater(`HEC unreachable: ${errorText(error)}`);
    }
    const reply = parse(answer.body);
    if (answer.status === 200 && (reply.code ?? 0) === 0) return this.config.ack ? this.awaitAck(reply.ackId) : accepted;
    return this.judge(answer, reply, batch);
  }

  private judge(answer: HttpAnswer, reply: HecReply, batch: Array<{ record: Forwardable }>): SinkOutcome {
    const what = `HEC ${answer.status} code ${reply.code ?? '?'} ${reply.text ?? ''}`.trim();
    if (answer.status >= 500 || answer.status === 429) return retryLater(what);
    if (answer.status === 401 || answer.status === 403) return stopWith(`${what}: the token is missing, invalid or disabled`);
    if (answer.status === 400 && reply.code !== undefined && RECORD_REFUSED.has(reply.code)) {
      const refused = batch[reply['invalid-event-number'] ?? 0]?.record ?? batch[0]!.record;
      return stopWith(`${what}: the collector refuses audit record ${refused.sequence}`, refused.sequence);
    }
    return stopWith(`${what}: check the sink configuration`);
  }

  /** Polls the ack endpoint until the indexer confirms; a timeout resends (the receiver de-duplicates). */
  private async awaitAck(ackId: number | undefined): Promise<SinkOutcome> {
    if (ackId === undefined) return stopWith('indexer acknowledgement is configured but the collector returned no ackId');
    const deadline = Date.now() + (this.config.ack?.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      try {
        const answer = await post(
          `${this.base()}/services/collector/ack`,
          this.headers(),
          JSON.stringify({ acks: [ackId] }),
          this.options(),
        );
        if (answer.status !== 200) {
          const outcome = this.judge(answer, parse(answer.body), []);
          if (!outcome.ok && !outcome.retry) return outcome;
        } else if ((JSON.parse(answer.body) as { acks?: Record<string, boolean> }).acks?.[String(ackId)] === true) return accepted;
      } catch (error) {
        return retryLater(`HEC ack poll failed: ${errorText(error)}`);
      }
      await sleep(this.config.ack?.pollMs ?? 1_000);
    }
    return retryLater(`ack ${ackId} not confirmed in time; sending again`);
  }

  private base(): string {
    return this.config.url.replace(/\/+$/, '');
  }

  private options() {
    return { timeoutMs: this.config.timeoutMs ?? 10_000, ...(this.ca ? { ca: this.ca } : {}) };
  }
}

interface HecReply {
  text?: string;
  code?: number;
  ackId?: number;
  'invalid-event-number'?: number;
}

function parse(body: string): HecReply {
  try {
    const value = JSON.parse(body) as unknown;
    return value !== null && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}
