import { SocketModeClient } from '@slack/socket-mode';
import { errorMessage } from '@countersign/contracts';
import { CONSOLE_LOGGER, toSlackSdkLogger, type SlackLogger } from './logger';

/** What to tell the person; sent in the ack only where Socket Mode allows a response payload. */
export interface SocketReply {
  text?: string;
}

export interface SocketModeOptions {
  /** The app-level token (`xapp-…`) with `connections:write`. */
  appToken: string;
  /** Where the Web API lives (apps.connections.open); a stand-in's `apiUrl` in tests. */
  slackApiUrl?: string;
  /**
   * Handles one interaction payload. The envelope is acknowledged only after this resolves, so an
   * acknowledged click was handled; if it throws, nothing is acknowledged. Slack wants the ack
   * within 3 seconds.
   */
  onInteraction: (payload: unknown) => Promise<SocketReply | void>;
  logger?: SlackLogger;
  /** Backoff between reconnection attempts after a lost connection. */
  reconnectDelayMs?: { initial: number; max: number };
}

export interface SocketModeConnection {
  /** Closes the socket and every timer; no reconnection afterwards. */
  stop(): Promise<void>;
}

interface SlackEnvelope {
  ack(response?: Record<string, unknown>): Promise<void>;
  envelope_id: string;
  body: unknown;
  accepts_response_payload?: boolean;
}

/**
 * Connects to Slack over Socket Mode and feeds `interactive` envelopes to `onInteraction`.
 * Resolves once Slack said hello; rejects if the first connection fails (bad token, no Slack).
 * Later drops are reconnected here, with backoff, rather than by the SDK, whose own reconnect
 * turns a failed apps.connections.open into an unhandled rejection.
 */
export async function startSocketMode(options: SocketModeOptions): Promise<SocketModeConnection> {
  const logger = options.logger ?? CONSOLE_LOGGER;
  const client = new SocketModeClient({
    appToken: options.appToken,
    logger: toSlackSdkLogger(logger),
    autoReconnectEnabled: false,
    // Retries are ours (below): an SDK retry timer would outlive stop().
    clientOptions: { ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}), retryConfig: { retries: 0 }, timeout: 10_000 },
  });
  const supervisor = new Supervisor(client, logger, options.reconnectDelayMs ?? { initial: 1000, max: 30_000 });
  client.on('interactive', (envelope: SlackEnvelope) => {
    // Once stopping, nothing new is handled: whatever is handled is also acknowledged.
    if (supervisor.accepting) supervisor.track(handle(envelope, (payload) => options.onInteraction(payload), logger));
  });
  client.on('slack_event', (event: SlackEnvelope & { type: string }) => {
    // Anything else Slack sends (events, commands) is not ours; acked so Slack does not resend it.
    if (event.type !== 'interactive') event.ack().catch(() => undefined);
  });
  try {
    await client.start();
  } catch (error) {
    await supervisor.stop();
    throw new Error(`Slack Socket Mode did not connect: ${errorMessage(error)}`, { cause: error });
  }
  supervisor.watch();
  return { stop: () => supervisor.stop() };
}

async function handle(envelope: SlackEnvelope, onInteraction: SocketModeOptions['onInteraction'], logger: SlackLogger): Promise<void> {
  let reply: SocketReply | void;
  try {
    reply = await onInteraction(envelope.body);
  } catch (error) {
    logger.error(`interaction ${envelope.envelope_id} failed, not acknowledged: ${errorMessage(error)}`);
    return;
  }
  // block_actions envelopes do not accept a response payload; answer those with postEphemeral.
  const response = reply?.text && envelope.accepts_response_payload ? { text: reply.text } : undefined;
  await envelope.ack(response).catch((error: unknown) => logger.warn(`ack of ${envelope.envelope_id} failed: ${errorMessage(error)}`));
}

/**
 * Reconnects after a lost connection (at once, then with capped exponential backoff) until
 * stopped; on stop, lets interactions in hand finish and acknowledge before the socket closes.
 */
class Supervisor {
  private stopping = false;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: SocketModeClient,
    private readonly logger: SlackLogger,
    private readonly delay: { initial: number; max: number },
  ) {}

  get accepting(): boolean {
    return !this.stopping;
  }

  watch(): void {
    this.client.on('disconnected', () => this.schedule());
  }

  track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.inFlight);
    await this.client.disconnect();
    // A connection attempt already past apps.connections.open finishes, then is closed again.
    await this.connecting;
  }

  private schedule(): void {
    if (this.stopping || this.timer) return;
    const wait = this.attempts === 0 ? 0 : Math.min(this.delay.max, this.delay.initial * 2 ** (this.attempts - 1));
    this.attempts += 1;
    this.logger.warn(`Slack Socket Mode connection lost; reconnecting in ${wait} ms`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connecting = this.reconnect().finally(() => (this.connecting = undefined));
    }, wait);
  }

  private async reconnect(): Promise<void> {
    try {
      await this.client.start();
      this.attempts = 0;
      this.logger.log?.('Slack Socket Mode reconnected');
      if (this.stopping) await this.client.disconnect();
    } catch (error) {
      if (this.stopping) return;
      this.logger.error(`Slack Socket Mode reconnection failed: ${errorMessage(error)}`);
      this.schedule();
    }
  }
}
