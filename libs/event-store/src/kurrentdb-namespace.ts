import { streamNameFilter, type RegexFilter } from '@kurrent/kurrentdb-client';
import { CHECKPOINT_EVENT_TYPE } from './kurrentdb-mapping';
import type { StoredEvent } from './port';

/**
 * Where one service's streams live on a KurrentDB cluster shared by several services. Intake,
 * approval and broker all keep a `request-<id>` stream; without a prefix they would write into one
 * another's streams, and a stream ACL could not tell them apart. With prefix `intake-`, intake's
 * `request-<id>` is `intake-request-<id>` on the server; the port never sees the prefix.
 *
 * Without a prefix (a server of one's own, or the contract tests) names pass through unchanged and
 * $all reads filter on the stream name: no `$` stream, no checkpoint stream. (An event-type filter
 * let `$`-streams' events through whose type does not start with `$`, such as a `$settings` update.)
 */
export class StreamNamespace {
  constructor(
    readonly prefix: string,
    private readonly checkpointPrefix: string,
  ) {
    if (prefix !== '' && !/^[a-z][a-z0-9]*-$/.test(prefix)) {
      throw new RangeError(`stream prefix must look like "<service>-", got ${JSON.stringify(prefix)}`);
    }
  }

  toServer(stream: string): string {
    return `${this.prefix}${stream}`;
  }

  /** Checkpoint streams sit inside the namespace too, so the service can write them under its own ACL. */
  checkpointStream(name: string): string {
    return `${this.prefix}${this.checkpointPrefix}${name}`;
  }

  /**
   * The server-side filter for $all reads and subscriptions. Namespaced: only our own streams, less
   * our checkpoint streams (system and metadata streams start with `$` and never match). A
   * reader of $all may still be allowed to see more (see kurrentdb-acl.ts); this keeps the port's
   * view to our own events.
   */
  allFilter(): RegexFilter {
    if (this.prefix === '') return streamNameFilter({ regex: `^(?!\\$|${escapeRegex(this.checkpointPrefix)})` });
    return streamNameFilter({ regex: `^${escapeRegex(this.prefix)}(?!${escapeRegex(this.checkpointPrefix)})` });
  }

  /** The port's view of an event read from one of our streams. */
  strip(event: StoredEvent): StoredEvent {
    return this.prefix === '' ? event : { ...event, stream: event.stream.slice(this.prefix.length) };
  }

  /**
   * The port's view of an event read from $all, or undefined when it is not one of ours. Repeats
   * the filter on the client, so a server that ignored it still cannot leak another service's
   * events (or our checkpoint records) into the relay.
   */
  ownEvent(event: StoredEvent): StoredEvent | undefined {
    if (event.type === CHECKPOINT_EVENT_TYPE || event.type.startsWith('$') || event.stream.startsWith('$')) return undefined;
    if (this.prefix === '') return event.stream.startsWith(this.checkpointPrefix) ? undefined : event;
    if (!event.stream.startsWith(this.prefix) || event.stream.startsWith(this.checkpointStream(''))) return undefined;
    return this.strip(event);
  }
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
