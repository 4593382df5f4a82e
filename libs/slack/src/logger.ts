import { LogLevel, type Logger } from '@slack/web-api';

/** The little the Slack clients need to report; Nest's Logger and console both fit. */
export interface SlackLogger {
  debug?(message: string): void;
  log?(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const CONSOLE_LOGGER: SlackLogger = { warn: (message) => console.warn(message), error: (message) => console.error(message) };

/** @slack/logger's interface over ours; the SDK's info chatter goes to debug. */
export function toSlackSdkLogger(logger: SlackLogger): Logger {
  const join = (parts: unknown[]) => parts.map(String).join(' ');
  return {
    debug: (...parts: unknown[]) => logger.debug?.(join(parts)),
    info: (...parts: unknown[]) => logger.debug?.(join(parts)),
    warn: (...parts: unknown[]) => logger.warn(join(parts)),
    error: (...parts: unknown[]) => logger.error(join(parts)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
