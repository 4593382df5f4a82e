import { errorMessage } from '@countersign/contracts';
import type { OcsfEvent } from '../ocsf';

/** One audit record on its way out: its place in the chain and its OCSF rendering. */
export interface Forwardable {
  sequence: number;
  hash: string;
  ocsf: OcsfEvent;
}

/**
 * What a sink says about a batch. `retry`: nothing is lost by trying again later (down, busy, a
 * network error). `stop`: trying again cannot help until an operator acts (a bad token, a record
 * the receiver refuses); the forwarder stops without acknowledging, so nothing is skipped.
 */
export type SinkOutcome =
  { ok: true } | { ok: false; retry: true; reason: string } | { ok: false; retry: false; reason: string; sequence?: number };

/** A destination. `send` resolves only once the destination has accepted every record in order. */
export interface Sink {
  readonly name: string;
  send(records: readonly Forwardable[]): Promise<SinkOutcome>;
  close(): Promise<void>;
}

export const accepted: SinkOutcome = { ok: true };
export const retryLater = (reason: string): SinkOutcome => ({ ok: false, retry: true, reason });
export const stopWith = (reason: string, sequence?: number): SinkOutcome => ({
  ok: false,
  retry: false,
  reason,
  ...(sequence === undefined ? {} : { sequence }),
});

export const errorText = errorMessage;
