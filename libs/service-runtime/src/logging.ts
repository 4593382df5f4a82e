import { Logger, type LoggerService } from '@nestjs/common';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import { logContext } from '@countersign/messaging';
import type { DecisionLog } from './decision-runner';

/**
 * Field names that hold secret, credential, key or signature material wherever they appear. Nothing
 * in Countersign logs such values on purpose; redaction is the second line, for a structured field
 * someone adds later without thinking (the e2e log check is the first: it greps a whole run).
 */
const SECRET_FIELDS = [
  'signature',
  'privateKey',
  'private_key',
  'seed',
  'secret',
  'password',
  'token',
  'jwt',
  'sealed',
  'credential',
  'authorization',
  'cookie',
  'nkey',
];

export const REDACTED = '[redacted]';

/** The header Slack signs requests with, redacted wherever it appears like the names above. */
const SECRET_NAMES: ReadonlySet<string> = new Set([...SECRET_FIELDS, 'x-slack-signature']);
/** The top level and two levels down, as docs/operations.md ("Logs") says. */
const REDACT_DEPTH = 3;

/**
 * A copy of `value` with every secret-named field at the top level or up to two levels down
 * replaced by REDACTED; `value` itself when there is none (the usual case: nothing is copied). The
 * rule pino's `redact` paths (`field`, `*.field`, `*.*.field`) applied, by hand: pino's wildcard
 * paths clone and walk every field of every line, about 20 µs a line, three times the rest of it.
 * Byte arrays are not walked (no field names inside); anything else that is an object is.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth >= REDACT_DEPTH) return value;
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const inner = record[key];
    const next = SECRET_NAMES.has(key) ? REDACTED : redactSecrets(inner, depth + 1);
    if (next === inner) continue;
    copy ??= shallowCopy(record);
    copy[key] = next;
  }
  return (copy ?? value) as T;
}

/** Same prototype and own properties (an Error keeps its message and stack), so only the fields change. */
function shallowCopy(record: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(record)) return [...record] as unknown as Record<string, unknown>;
  return Object.create(Object.getPrototypeOf(record) as object | null, Object.getOwnPropertyDescriptors(record)) as Record<string, unknown>;
}

/**
 * The process's one structured logger: JSON lines on stdout with the service name, ISO time, and,
 * from the active context, the trace and span ids and the request, event id and type being handled.
 */
export function createServiceLog(service: string, destination?: DestinationStream): Pino {
  const options = {
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      // Every line's fields, the mixin's included, before they are written.
      log: (fields: Record<string, unknown>) => redactSecrets(fields),
    },
    mixin: () => logContext(),
  };
  const log = destination ? pino(options, destination) : pino(options);
  // A child's bindings are written once, as given (pino applies no formatter to them): redacted on
  // the way in. Children inherit this method, so grandchildren are covered too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with each child as `this`
  const child = log.child;
  log.child = function (this: Pino, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as Pino['child'];
  return log;
}

/**
 * Routes every Nest logger (framework lines and each `new Logger(context)` in the services) to the
 * structured logger, through nestjs-pino, so the whole process writes one format.
 */
export function useJsonLogs(log: Pino): LoggerService {
  const nest = new PinoNestLogger(new PinoLogger({ pinoHttp: { logger: log, autoLogging: false } }), {});
  Logger.overrideLogger(nest);
  return nest;
}

/** The decision runner's line: one per decided event, at info. */
export function decisionLogOf(log: Pino): DecisionLog {
  return (line) => log.info({ decision: line.eventType, ...line }, 'decided');
}
