import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NAME_PATTERN } from '@countersign/contracts';
import { z } from 'zod';
import { FileSink } from './sinks/file';
import { HecSink } from './sinks/hec';
import type { Sink } from './sinks/sink';
import { SyslogSink } from './sinks/syslog';

const Port = z.number().int().min(1).max(65535);

const SyslogConfig = z.strictObject({
  type: z.literal('syslog'),
  host: z.string().min(1),
  port: Port,
  transport: z.enum(['tls', 'tcp']).default('tls'),
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  servername: z.string().optional(),
  appName: z.string().max(48).optional(),
  hostname: z.string().max(255).optional(),
  facility: z.number().int().min(0).max(23).optional(),
  resendWindowMs: z.number().int().min(0).optional(),
});

const HecConfig = z.strictObject({
  type: z.literal('splunk-hec'),
  url: z.url(),
  /** The token itself never sits in the file: the name of an environment variable, or a file. */
  tokenEnv: z.string().optional(),
  tokenFile: z.string().optional(),
  index: z.string().optional(),
  source: z.string().optional(),
  sourcetype: z.string().optional(),
  host: z.string().optional(),
  caFile: z.string().optional(),
  timeoutMs: z.number().int().min(100).optional(),
  maxBatchBytes: z.number().int().min(1024).optional(),
  ack: z
    .strictObject({
      channel: z.uuid().optional(),
      pollMs: z.number().int().min(10).optional(),
      timeoutMs: z.number().int().min(100).optional(),
    })
    .optional(),
});

const FileConfig = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1),
  maxBytes: z.number().int().min(1024).optional(),
  maxFiles: z.number().int().min(1).max(100).optional(),
});

export const ForwarderConfig = z.strictObject({
  /** The SIEM reader (deploy/identities.json `siemReaders`) whose NATS user and consumer it uses. */
  reader: z.string().regex(NAME_PATTERN).default('splunk'),
  /** Head and status files; default <COUNTERSIGN_HOME>/siem/<reader>. */
  stateDir: z.string().optional(),
  batch: z.number().int().min(1).max(1000).default(100),
  sinks: z.array(z.discriminatedUnion('type', [SyslogConfig, HecConfig, FileConfig])).min(1),
});
export type ForwarderConfig = z.infer<typeof ForwarderConfig>;
export type SinkConfig = ForwarderConfig['sinks'][number];

/** COUNTERSIGN_SIEM_CONFIG (a file) or COUNTERSIGN_SIEM_CONFIG_JSON (inline); undefined when neither is set. */
export function loadForwarderConfig(env: NodeJS.ProcessEnv): ForwarderConfig | undefined {
  const text = env.COUNTERSIGN_SIEM_CONFIG ? readFileSync(env.COUNTERSIGN_SIEM_CONFIG, 'utf8') : env.COUNTERSIGN_SIEM_CONFIG_JSON;
  if (text === undefined || text.trim() === '') return undefined;
  const parsed = ForwarderConfig.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `SIEM forwarder configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
}

export function stateDirOf(config: ForwarderConfig, home: string): string {
  return config.stateDir ?? join(home, 'siem', config.reader);
}

export function createSinks(config: ForwarderConfig, env: NodeJS.ProcessEnv): Sink[] {
  return config.sinks.map((sink) => createSink(sink, env));
}

function createSink(sink: SinkConfig, env: NodeJS.ProcessEnv): Sink {
  switch (sink.type) {
    case 'syslog':
      return new SyslogSink(sink);
    case 'file':
      return new FileSink(sink);
    case 'splunk-hec': {
      const { tokenEnv, tokenFile, type: _type, ...rest } = sink;
      return new HecSink({ ...rest, token: hecToken(tokenEnv, tokenFile, env) });
    }
  }
}

function hecToken(tokenEnv: string | undefined, tokenFile: string | undefined, env: NodeJS.ProcessEnv): string {
  const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : env[tokenEnv ?? 'SPLUNK_HEC_TOKEN'];
  if (!token)
    throw new Error(`Splunk HEC sink: no token (set ${tokenFile ? `a token in ${tokenFile}` : (tokenEnv ?? 'SPLUNK_HEC_TOKEN')})`);
  return token;
}
