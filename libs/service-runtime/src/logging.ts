import { Logger, type LoggerService } from '@nestjs/common';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import { activeTraceIds, logFields } from '@countersign/messaging';
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

export const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
]);

export const REDACTED = '[redacted]';

/**
 * The process's one structured logger: JSON lines on stdout with the service name, ISO time, and,
 * from the active context, the trace and span ids and the request, event id and type being handled.
 */
export function createServiceLog(service: string, destination?: DestinationStream): Pino {
  const options = {
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: () => ({ ...logFields(), ...activeTraceIds() }),
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
  };
  return destination ? pino(options, destination) : pino(options);
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
