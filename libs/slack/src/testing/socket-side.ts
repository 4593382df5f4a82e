import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isRecord } from './web-api-methods';

export interface SocketDelivery {
  /** Whether the client acknowledged the envelope before the timeout. */
  acked: boolean;
  envelopeId: string;
  /** The `payload` the client put in its ack, if any. */
  response?: unknown;
}

export interface SocketInteractionOptions {
  /** Slack sends false for block_actions; true only where a response payload is allowed. */
  acceptsResponsePayload?: boolean;
  /** Slack gives an app 3 seconds to acknowledge. */
  timeoutMs?: number;
}

interface Pending {
  resolve(delivery: SocketDelivery): void;
  timer: NodeJS.Timeout;
}

/** Slack's side of Socket Mode: one-time tickets, `hello`, envelopes, acks by envelope_id. */
export class SocketSide {
  private readonly wss: WebSocketServer;
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly clients: WebSocket[] = [];

  constructor(
    server: Server,
    private readonly appId: string,
  ) {
    this.wss = new WebSocketServer({ server, path: '/socket', verifyClient: (info: { req: IncomingMessage }) => this.admit(info.req.url) });
    this.wss.on('connection', (socket) => this.connected(socket));
  }

  /** What apps.connections.open hands out: a URL with a ticket that works once. */
  issueUrl(port: number): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `ws://127.0.0.1:${port}/socket?ticket=${ticket}&app_id=${this.appId}`;
  }

  isConnected(): boolean {
    return this.clients.some((socket) => socket.readyState === WebSocket.OPEN);
  }

  deliver(payload: unknown, options: SocketInteractionOptions = {}): Promise<SocketDelivery> {
    const socket = [...this.clients].reverse().find((client) => client.readyState === WebSocket.OPEN);
    if (!socket) return Promise.reject(new Error('no Socket Mode client is connected'));
    const envelopeId = randomUUID();
    const envelope = {
      envelope_id: envelopeId,
      type: 'interactive',
      accepts_response_payload: options.acceptsResponsePayload ?? false,
      payload,
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(envelopeId, { acked: false, envelopeId }), options.timeoutMs ?? 3000);
      this.pending.set(envelopeId, { resolve, timer });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Slack's routine "please reconnect" (it recycles connections every few hours). */
  requestReconnect(): void {
    const message = JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'stand-in' } });
    for (const socket of this.clients) if (socket.readyState === WebSocket.OPEN) socket.send(message);
  }

  close(): Promise<void> {
    for (const envelopeId of [...this.pending.keys()]) this.settle(envelopeId, { acked: false, envelopeId });
    for (const socket of this.clients) socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private admit(url: string | undefined): boolean {
    const ticket = new URL(url ?? '/', 'ws://127.0.0.1').searchParams.get('ticket') ?? '';
    return this.tickets.delete(ticket);
  }

  private connected(socket: WebSocket): void {
    this.clients.push(socket);
    socket.on('close', () => {
      const index = this.clients.indexOf(socket);
      if (index >= 0) this.clients.splice(index, 1);
    });
    socket.on('message', (data) => this.received(text(data)));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.clients.length,
        debug_info: { host: 'stand-in' },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  private received(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!isRecord(message) || typeof message['envelope_id'] !== 'string') return;
    const envelopeId = message['envelope_id'];
    const response = isRecord(message['payload']) && Object.keys(message['payload']).length > 0 ? { response: message['payload'] } : {};
    this.settle(envelopeId, { acked: true, envelopeId, ...response });
  }

  private settle(envelopeId: string, delivery: SocketDelivery): void {
    const pending = this.pending.get(envelopeId);
    if (!pending) return;
    this.pending.delete(envelopeId);
    clearTimeout(pending.timer);
    pending.resolve(delivery);
  }
}

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}
