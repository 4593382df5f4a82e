import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { hasExited } from './ready';

export const RSYSLOGD = '/usr/sbin/rsyslogd';
const GTLS_MODULE = '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so';

export const RSYSLOG_INSTALL_HINT =
  'rsyslog with TLS is not installed. Install it with: sudo apt-get install -y rsyslog rsyslog-gnutls openssl';

/** Why a real rsyslog with TLS cannot run here, or undefined when it can. */
export function rsyslogUnavailable(): string | undefined {
  if (!existsSync(RSYSLOGD)) return `${RSYSLOGD} missing. ${RSYSLOG_INSTALL_HINT}`;
  if (!existsSync(GTLS_MODULE)) return `${GTLS_MODULE} missing (rsyslog-gnutls). ${RSYSLOG_INSTALL_HINT}`;
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) return `openssl missing. ${RSYSLOG_INSTALL_HINT}`;
  return undefined;
}

export interface RsyslogOptions {
  /** `tls` (RFC 5425 over gtls, anonymous client auth; the client checks the server's certificate) or plain `tcp`. */
  transport?: 'tls' | 'tcp';
  dir?: string;
}

export interface RunningRsyslog {
  host: string;
  port: number;
  /** The CA that signed the server certificate (for the client to verify it); undefined for tcp. */
  caFile?: string;
  /** Every received message, one per line, exactly as received (%rawmsg%). */
  outputFile: string;
  /** The received messages so far. */
  messages(): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the directory. */
  dispose(): Promise<void>;
}

/**
 * Starts a real rsyslogd in the foreground on a free loopback port with generated configuration and
 * (for TLS) certificates generated now with openssl: imtcp, octet-counted framing, omfile writing
 * each message raw to a file the test reads.
 */
export async function startRsyslog(options: RsyslogOptions = {}): Promise<RunningRsyslog> {
  const unavailable = rsyslogUnavailable();
  if (unavailable) throw new Error(unavailable);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'countersign-rsyslog-'));
  mkdirSync(join(dir, 'work'), { recursive: true });
  const port = await freePort();
  const tls = (options.transport ?? 'tls') === 'tls';
  const certs = tls ? generateCertificates(dir) : undefined;
  const outputFile = join(dir, 'received.log');
  const configFile = join(dir, 'rsyslog.conf');
  writeFileSync(configFile, renderConfig({ dir, port, outputFile, certs }));
  const check = spawnSync(RSYSLOGD, ['-N1', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`rsyslog refused its configuration:\n${check.stderr}${check.stdout}`);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(RSYSLOGD, ['-n', '-f', configFile, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitForPort(port, () => (child && hasExited(child) ? `rsyslogd exited: ${log}` : undefined));
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || hasExited(running)) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    ...(certs ? { caFile: certs.ca } : {}),
    outputFile,
    messages: () =>
      existsSync(outputFile)
        ? readFileSync(outputFile, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
        : [],
    stop,
    start,
    dispose: async () => {
      await stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Certificates {
  ca: string;
  cert: string;
  key: string;
}

function renderConfig(settings: { dir: string; port: number; outputFile: string; certs: Certificates | undefined }): string {
  const { certs } = settings;
  const driver = certs
    ? [
        `  DefaultNetstreamDriver="gtls"`,
        `  DefaultNetstreamDriverCAFile="${certs.ca}"`,
        `  DefaultNetstreamDriverCertFile="${certs.cert}"`,
        `  DefaultNetstreamDriverKeyFile="${certs.key}"`,
      ]
    : [];
  const imtcp = certs
    ? 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")'
    : 'module(load="imtcp")';
  return [
    'global(',
    `  workDirectory="${join(settings.dir, 'work')}"`,
    '  maxMessageSize="256k"',
    ...driver,
    ')',
    imtcp,
    `input(type="imtcp" address="127.0.0.1" port="${settings.port}")`,
    'template(name="raw" type="string" string="%rawmsg%\\n")',
    `*.* action(type="omfile" file="${settings.outputFile}" template="raw" asyncWriting="off" flushOnTXEnd="on")`,
    '',
  ].join('\n');
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, signed by it. */
function generateCertificates(dir: string): Certificates {
  const path = (name: string) => join(dir, name);
  const run = (args: string[]) => {
    const result = spawnSync('openssl', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=countersign test CA',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.pem'),
  ]);
  run([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
  ]);
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run([
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    path('server.ext'),
    '-out',
    path('server.pem'),
  ]);
  return { ca: path('ca.pem'), cert: path('server.pem'), key: path('server.key') };
}

async function waitForPort(port: number, died: () => string | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const problem = died();
    if (problem) throw new Error(problem);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`rsyslogd did not listen on ${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
