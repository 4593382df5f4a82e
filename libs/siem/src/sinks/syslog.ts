import { readFileSync } from 'node:fs';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { formatRfc5424, frameOctetCounted, type SyslogHeader } from './rfc5424';
import { accepted, errorText, retryLater, type Forwardable, type Sink, type SinkOutcome } from './sink';

export interface SyslogSinkConfig {
  host: string;
  port: number;
  /** `tls` (RFC 5425, the default) or `tcp` (plain, for labs only). */
  transport?: 'tls' | 'tcp';
  /** PEM files: the CA that signed the receiver's certificate, and our client certificate for x509 mutual auth. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Name to check the receiver's certificate against; defaults to host. */
  servername?: string;
  appName?: string;
  hostname?: string;
  facility?: number;
  connectTimeoutMs?: number;
  /**
   * Syslog over TCP has no application acknowledgement: a receiver that dies loses what sat in its
   * socket buffer. Records written within this window before a connection breaks are sent again on
   * the next connection (receivers de-duplicate by `seq`). Default 10 s.
   */
  resendWindowMs?: number;
}

interface Written {
  record: Forwardable;
  at: number;
}

const MAX_RESEND = 10_000;

/** RFC 5424 messages over TLS (RFC 5425 octet counting) or plain TCP; reconnects on the next send. */
export class SyslogSink implements Sink {
  readonly name: string;
  private socket: Socket | undefined;
  private broken = false;
  private recent: Written[] = [];
  private readonly header: SyslogHeader;

  constructor(
    private readonly config: SyslogSinkConfig,
    private readonly clock: () => number = Date.now,
  ) {
    this.name = `syslog ${config.transport ?? 'tls'}://${config.host}:${config.port}`;
    this.header = { hostname: config.hostname ?? hostname(), appName: config.appName ?? 'countersign', facility: config.facility ?? 13 };
  }

  async send(records: readonly Forwardable[]): Promise<SinkOutcome> {
    try {
      const socket = await this.connected();
      for (const record of records) {
        await write(socket, frameOctetCounted(formatRfc5424(record, this.header)));
        this.remember(record);
      }
      if (this.broken) return retryLater('connection closed while sending');
      return accepted;
    } catch (error) {
      this.drop();
      return retryLater(errorText(error));
    }
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.end(() => resolve()));
  }

  private remember(record: Forwardable): void {
    const now = this.clock();
    const window = this.config.resendWindowMs ?? 10_000;
    this.recent.push({ record, at: now });
    this.recent = this.recent.filter((entry) => now - entry.at <= window).slice(-MAX_RESEND);
  }

  /** A live connection; a new one first repeats what the broken one may have lost. */
  private async connected(): Promise<Socket> {
    if (this.socket && !this.broken) return this.socket;
    this.drop();
    const socket = await this.open();
    this.socket = socket;
    this.broken = false;
    socket.on('close', () => (this.broken = true));
    socket.on('error', () => (this.broken = true));
    socket.on('end', () => (this.broken = true));
    const again = this.recent.map((entry) => entry.record);
    for (const record of again) await write(socket, frameOctetCounted(formatRfc5424(record, this.header)));
    return socket;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Promise<Socket> {
    const { host, port } = this.config;
    const timeout = this.config.connectTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket =
        (this.config.transport ?? 'tls') === 'tls'
          ? tlsConnect({ host, port, rejectUnauthorized: true, ...this.servername(), ...this.pem() }, () => ready())
          : netConnect({ host, port }, () => ready());
      const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeout} ms`)), timeout);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const ready = () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.setKeepAlive(true, 10_000);
        resolve(socket);
      };
      socket.once('error', fail);
    });
  }

  /** SNI and the name checked; for an IP address node checks the certificate's IP SANs instead. */
  private servername(): { servername?: string } {
    const name = this.config.servername ?? (isIP(this.config.host) ? undefined : this.config.host);
    return name === undefined ? {} : { servername: name };
  }

  private pem(): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
    const entries = { ca: read(this.config.caFile), cert: read(this.config.certFile), key: read(this.config.keyFile) };
    return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  }
}

function write(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed || !socket.writable) return reject(new Error('connection closed'));
    socket.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}
