import { join } from 'node:path';
import { loadTrustStore, type TrustStore } from '@countersign/identity';
import type { Output } from './output';

/**
 * Exit codes are part of the CLI's contract: scripts and agents branch on them, so each outcome
 * keeps one number for good.
 */
export const ExitCode = {
  ok: 0,
  /** Operational failure: not found, verification failed, server refused. */
  failure: 1,
  /** Bad arguments or an invalid event; nothing was published. */
  invalidInput: 2,
  /** The request ended without executing: rejected, denied, expired or failed. */
  negativeOutcome: 3,
  timeout: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4322';

export interface GlobalOptions {
  home: string;
  natsUrl: string;
  json: boolean;
}

/** What every command receives: where the home is, how to reach NATS, and how to print. */
export interface CliContext extends GlobalOptions {
  out: Output;
  /** Read on demand: `provision` and `help` must work before trust.json exists. */
  trustStore(): TrustStore;
}

export function resolveGlobals(
  values: { home?: string; nats?: string; json?: boolean },
  env: NodeJS.ProcessEnv,
  cwd: string,
): GlobalOptions {
  return {
    home: values.home ?? env.COUNTERSIGN_HOME ?? join(cwd, '.countersign'),
    natsUrl: values.nats ?? env.COUNTERSIGN_NATS_URL ?? DEFAULT_NATS_URL,
    json: values.json ?? false,
  };
}

export function createContext(globals: GlobalOptions, out: Output): CliContext {
  let trust: TrustStore | undefined;
  return {
    ...globals,
    out,
    trustStore: () => (trust ??= loadTrustStore(globals.home)),
  };
}

/** An expected failure with a message for the operator and a chosen exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong or missing arguments: exit 2 and point at the help. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, ExitCode.invalidInput);
    this.name = 'UsageError';
  }
}
