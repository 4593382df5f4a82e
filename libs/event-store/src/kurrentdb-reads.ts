import {
  ANY,
  BACKWARDS,
  END,
  StreamNotFoundError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type KurrentDBClient,
  type ReadStreamOptions,
} from '@kurrent/kurrentdb-client';
import { callHandler, isInsideHandlerOf, reportErrorOrLog } from './catch-up-subscription';
import { CHECKPOINT_EVENT_TYPE, decodeResolved, toPortError, toStoredEvent } from './kurrentdb-mapping';
import { StoreUnavailableError, type CheckpointStore, type StoredEvent, type Subscription, type UnreadableEventReporter } from './port';

/** The part of the client this adapter uses; tests hand in a fake with these methods. */
export type KurrentClient = Pick<
  KurrentDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata' | 'dispose'
>;

/** Events of one server stream as the server names them; [] when the stream does not exist. */
export async function readStreamOrEmpty(client: KurrentClient, stream: string, options: ReadStreamOptions): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  try {
    for await (const resolved of client.readStream(stream, options)) {
      const event = toStoredEvent(resolved);
      if (event) events.push(event);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    // Only this adapter writes these streams, always as JSON: anything else is an answer we cannot use.
    if (error instanceof SyntaxError) throw new StoreUnavailableError(`KurrentDB ${stream}: event data is not JSON`, { cause: error });
    throw toPortError(error);
  }
  return events;
}

/** Stands in for an unreadable event when asking whether its stream is one of ours. */
export const placeholder: StoredEvent = {
  id: '',
  stream: '',
  revision: 0,
  position: 0,
  type: 'unreadable',
  data: null,
  metadata: {},
  recordedAt: '',
};

/** Awaits the handler per event: the async iterator does not pull the next one until it returns. */
export class KurrentSubscription implements Subscription {
  private stopped = false;
  private readonly finished: Promise<void>;
  /** Server events taken from the source, and those whose handling has ended. */
  private taken = 0;
  private handled = 0;
  /** How many server events came before the server's caughtUp message (once it has come). */
  private caughtUpAfter: number | undefined;
  private reportedCaughtUp = false;

  /** `own` maps a server event to the port's view, or drops it (undefined). */
  constructor(
    private readonly source: AllStreamSubscription,
    private readonly fromPosition: number,
    private readonly own: (event: StoredEvent) => StoredEvent | undefined,
    private readonly onUnreadable: UnreadableEventReporter,
    handler: (event: StoredEvent) => Promise<void>,
    onError: ((error: unknown) => void) | undefined,
    onFinished: () => void,
    private readonly onCaughtUp?: () => void,
  ) {
    // The client emits caughtUp as the server's message passes through its stream, ahead of the
    // events still buffered before it: those are handled first. (Servers send it since 23.10; this
    // path is tried over the fake client only, see docs/operations.md.)
    if (onCaughtUp)
      source.once('caughtUp', () => {
        this.caughtUpAfter = this.taken + source.readableLength;
        this.reportCaughtUpWhenDue();
      });
    this.finished = this.run(handler, onError).finally(onFinished);
  }

  private reportCaughtUpWhenDue(): void {
    if (this.reportedCaughtUp || this.stopped || this.caughtUpAfter === undefined || this.handled < this.caughtUpAfter) return;
    this.reportedCaughtUp = true;
    try {
      this.onCaughtUp?.();
    } catch (error) {
      // Called from the client's stream (its `emit`) as well as from run(): ending the stream makes
      // run() report the error to onError, as a throwing handler does, on either path.
      this.source.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.unsubscribe().catch(() => undefined);
    if (!isInsideHandlerOf(this)) await this.finished;
  }

  private async run(handler: (event: StoredEvent) => Promise<void>, onError?: (error: unknown) => void): Promise<void> {
    try {
      for await (const resolved of this.source) {
        if (this.stopped) return;
        this.taken += 1;
        await this.deliver(resolved, handler);
        this.handled += 1;
        this.reportCaughtUpWhenDue();
      }
      if (!this.stopped) throw new StoreUnavailableError('KurrentDB ended the $all subscription');
    } catch (error) {
      if (!this.stopped) reportErrorOrLog(onError, toPortError(error));
      this.stopped = true;
    }
  }

  private async deliver(resolved: AllStreamResolvedEvent, handler: (event: StoredEvent) => Promise<void>): Promise<void> {
    const decoded = decodeResolved(resolved);
    // Skipped and reported, not fatal: a resubscription would meet the same event forever.
    if (decoded && 'unreadable' in decoded) {
      if (this.own({ ...placeholder, stream: decoded.unreadable.stream })) this.onUnreadable(decoded.unreadable);
      return;
    }
    // The server filter already drops the rest; the checks keep the port's guarantees if a server does not.
    const event = decoded && this.own(decoded);
    if (!event || event.position <= this.fromPosition) return;
    await callHandler(this, () => handler(event));
  }
}

/**
 * Last event wins. With `limitStreams` (off unless asked for), the first save sets maxCount 1 so the
 * server can scavenge older checkpoints; that needs metadata-write ($mw) on the stream, which a
 * least-privilege service user does not have, so in deployment provisioning sets it (see
 * kurrentdb-acl.ts). A refused or failed metadata write fails the save and is tried again next time.
 */
export class KurrentDbCheckpointStore implements CheckpointStore {
  private readonly limited = new Set<string>();

  constructor(
    private readonly client: KurrentClient,
    private readonly streamOf: (name: string) => string,
    private readonly limitStreams = false,
  ) {}

  async load(name: string): Promise<number | undefined> {
    const options: ReadStreamOptions = { direction: BACKWARDS, fromRevision: END, maxCount: 1 };
    const [last] = await readStreamOrEmpty(this.client, this.streamOf(name), options);
    const position = (last?.data as { position?: unknown } | undefined)?.position;
    return typeof position === 'number' ? position : undefined;
  }

  async save(name: string, position: number): Promise<void> {
    if (!Number.isSafeInteger(position)) throw new RangeError(`checkpoint ${name}: position must be an integer`);
    const stream = this.streamOf(name);
    try {
      if (this.limitStreams && !this.limited.has(stream)) {
        await this.client.setStreamMetadata(stream, { maxCount: 1 });
        this.limited.add(stream);
      }
      const event = jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } });
      await this.client.appendToStream(stream, event, { streamState: ANY });
    } catch (error) {
      throw toPortError(error);
    }
  }
}
