import { startSocketMode, type SocketModeConnection, type SocketReply } from './socket-mode';
import { startSlackStandIn, type SlackStandIn } from './testing';

const APP_TOKEN = 'xapp-stand-in';
const PAYLOAD = { type: 'block_actions', actions: [{ action_id: 'countersign.approve' }] };

/** Collects what the client logs, so a test can see it and Jest's console stays quiet. */
function recordingLogger() {
  const lines: string[] = [];
  const record = (message: string) => void lines.push(message);
  return { lines, logger: { warn: record, error: record, log: record } };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves to 'pending' if the promise has not settled within `ms`. */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

describe('startSocketMode against the Slack stand-in', () => {
  let slack: SlackStandIn;
  let connection: SocketModeConnection | undefined;
  const log = recordingLogger();

  beforeEach(async () => {
    log.lines.length = 0;
    slack = await startSlackStandIn({ botToken: 'xoxb-stand-in', appToken: APP_TOKEN });
  });
  afterEach(async () => {
    await connection?.stop();
    connection = undefined;
    await slack.stop();
  });

  function start(onInteraction: (payload: unknown) => Promise<SocketReply | void>) {
    return startSocketMode({
      appToken: APP_TOKEN,
      slackApiUrl: slack.apiUrl,
      onInteraction,
      logger: log.logger,
      reconnectDelayMs: { initial: 50, max: 200 },
    });
  }

  it('connects with the app token and resolves after hello', async () => {
    connection = await start(() => Promise.resolve());
    expect(slack.socketConnected()).toBe(true);
    expect(slack.calls).toEqual([expect.objectContaining({ method: 'apps.connections.open', ok: true })]);
  });

  it('delivers an interaction to onInteraction and acks it', async () => {
    const seen: unknown[] = [];
    connection = await start((payload) => {
      seen.push(payload);
      return Promise.resolve();
    });
    const delivery = await slack.sendSocketInteraction(PAYLOAD);
    expect(delivery).toEqual({ acked: true, envelopeId: expect.any(String) });
    expect(seen).toEqual([PAYLOAD]);
  });

  it('acks only once onInteraction has resolved', async () => {
    const gate = deferred();
    const called = deferred();
    connection = await start(async () => {
      called.resolve();
      await gate.promise;
    });
    const delivery = slack.sendSocketInteraction(PAYLOAD);
    await called.promise;
    expect(await settledWithin(delivery, 200)).toBe('pending');
    gate.resolve();
    await expect(delivery).resolves.toMatchObject({ acked: true });
  });

  it('does not ack when onInteraction throws, and keeps serving', async () => {
    let fail = true;
    connection = await start(() => (fail ? Promise.reject(new Error('NATS is down')) : Promise.resolve()));
    await expect(slack.sendSocketInteraction(PAYLOAD, { timeoutMs: 500 })).resolves.toMatchObject({ acked: false });
    expect(log.lines.some((line) => line.includes('not acknowledged: NATS is down'))).toBe(true);
    fail = false;
    await expect(slack.sendSocketInteraction(PAYLOAD)).resolves.toMatchObject({ acked: true });
  });

  it('puts reply text in the ack only where Slack accepts a response payload', async () => {
    connection = await start(() => Promise.resolve({ text: 'Vote recorded.' }));
    expect(await slack.sendSocketInteraction(PAYLOAD)).not.toHaveProperty('response');
    expect(await slack.sendSocketInteraction(PAYLOAD, { acceptsResponsePayload: true })).toMatchObject({
      response: { text: 'Vote recorded.' },
    });
  });

  it('refuses to start with a wrong app token', async () => {
    const attempt = startSocketMode({
      appToken: 'xapp-wrong',
      slackApiUrl: slack.apiUrl,
      onInteraction: () => Promise.resolve(),
      logger: log.logger,
    });
    await expect(attempt).rejects.toThrow('invalid_auth');
    expect(slack.socketConnected()).toBe(false);
  });

  it('reconnects when Slack asks it to, and keeps delivering', async () => {
    const seen: unknown[] = [];
    connection = await start((payload) => Promise.resolve(void seen.push(payload)));
    slack.requestSocketReconnect();
    await slack.waitFor(() => (slack.calls.filter((call) => call.method === 'apps.connections.open').length === 2 ? true : undefined));
    await slack.waitFor(() => (slack.socketConnected() ? true : undefined));
    await expect(slack.sendSocketInteraction(PAYLOAD)).resolves.toMatchObject({ acked: true });
    expect(seen).toEqual([PAYLOAD]);
  });

  it('on stop, finishes and acks an interaction in hand, and takes no new one', async () => {
    const gate = deferred();
    const called = deferred();
    let calls = 0;
    connection = await start(async () => {
      calls += 1;
      called.resolve();
      await gate.promise;
    });
    const delivery = slack.sendSocketInteraction(PAYLOAD);
    await called.promise;
    const stopped = connection.stop();
    const late = slack.sendSocketInteraction(PAYLOAD, { timeoutMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.resolve();
    await expect(delivery).resolves.toMatchObject({ acked: true });
    await expect(late).resolves.toMatchObject({ acked: false });
    expect(calls).toBe(1);
    await stopped;
    await slack.waitFor(() => (slack.socketConnected() ? undefined : true));
  });

  it('stop() closes the socket and does not reconnect', async () => {
    connection = await start(() => Promise.resolve());
    await connection.stop();
    connection = undefined;
    await slack.waitFor(() => (slack.socketConnected() ? undefined : true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.socketConnected()).toBe(false);
    expect(slack.calls.filter((call) => call.method === 'apps.connections.open')).toHaveLength(1);
  });
});

describe('clean shutdown', () => {
  /** Active handles and timers now that were not there at `baseline` (a multiset difference). */
  const extra = (baseline: string[]): string[] => {
    const left = [...baseline];
    return process.getActiveResourcesInfo().filter((kind) => {
      const index = left.indexOf(kind);
      if (index >= 0) left.splice(index, 1);
      return index < 0 && kind !== 'Immediate';
    });
  };

  it('leaves no sockets, servers or timers behind', async () => {
    const baseline = process.getActiveResourcesInfo();
    const slack = await startSlackStandIn({ botToken: 'xoxb-stand-in', appToken: APP_TOKEN });
    const connection = await startSocketMode({
      appToken: APP_TOKEN,
      slackApiUrl: slack.apiUrl,
      onInteraction: () => Promise.resolve(),
      logger: recordingLogger().logger,
    });
    try {
      await expect(slack.sendSocketInteraction(PAYLOAD)).resolves.toMatchObject({ acked: true });
      // While running there are sockets: the measurement can see them.
      expect(extra(baseline)).toContain('TCPSocketWrap');
    } finally {
      await connection.stop();
      await slack.stop();
    }
    // Closed handles leave the list on a later turn of the event loop; give them up to 2 s.
    const deadline = Date.now() + 2000;
    while (extra(baseline).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(extra(baseline)).toEqual([]);
  });
});
