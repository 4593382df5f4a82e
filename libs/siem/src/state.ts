import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GENESIS, type ChainHead } from '@countersign/audit-chain';

/**
 * The last record every sink accepted, saved before the NATS ack: a redelivered record at or below
 * it was delivered already (acked without sending again), and the next one must link to it.
 */
export class HeadFile {
  constructor(private readonly path: string) {}

  load(): ChainHead {
    if (!existsSync(this.path)) return GENESIS;
    const head = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<ChainHead>;
    if (!Number.isInteger(head.sequence) || typeof head.hash !== 'string') throw new Error(`${this.path} is not a chain head`);
    return { sequence: head.sequence!, hash: head.hash };
  }

  save(head: ChainHead): void {
    writeAtomically(this.path, JSON.stringify(head));
  }
}

export interface SinkStatus {
  state: 'ok' | 'retrying' | 'stopped';
  lastError?: string;
  since?: string;
  attempts?: number;
}

/** What an operator (and the compose health check) reads: where the forwarder is and what blocks it. */
export interface ForwarderStatus {
  state: 'starting' | 'forwarding' | 'idle' | 'waiting_for_sink' | 'stopped';
  head: ChainHead;
  /** Records on the consumer not yet delivered to every sink (NATS pending + those in hand). */
  lag: number;
  sinks: Record<string, SinkStatus>;
  stoppedBecause?: string;
  updatedAt: string;
}

export function writeStatusFile(path: string, status: ForwarderStatus): void {
  writeAtomically(path, `${JSON.stringify(status, null, 2)}\n`);
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
