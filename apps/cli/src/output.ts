import type { FieldError } from '@countersign/contracts';

/** Where text goes; tests capture it instead of writing to the process streams. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * Human output is lines of text; `--json` output is one JSON document per result line (NDJSON when
 * a command reports more than once, like `submit --wait`), so scripts never parse prose. Errors go
 * to stderr in both modes, keeping stdout clean for the caller.
 */
export class Output {
  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  result(value: unknown, human: () => string[]): void {
    if (this.json) this.io.stdout(`${JSON.stringify(value)}\n`);
    else
      this.io.stdout(
        human()
          .map((line) => `${line}\n`)
          .join(''),
      );
  }

  /** Something the operator should notice that does not end the command. */
  warn(message: string): void {
    this.io.stderr(this.json ? `${JSON.stringify({ warning: message })}\n` : `warning: ${message}\n`);
  }

  error(message: string, details?: unknown): void {
    if (this.json) {
      this.io.stderr(`${JSON.stringify({ error: message, ...(details === undefined ? {} : { details }) })}\n`);
      return;
    }
    const extra = Array.isArray(details) && details.every(isFieldError) ? formatFieldErrors(details) : [];
    this.io.stderr([`error: ${message}`, ...extra].map((line) => `${line}\n`).join(''));
  }
}

function isFieldError(value: unknown): value is FieldError {
  return typeof value === 'object' && value !== null && 'path' in value && 'message' in value;
}

/** One line per offending field, field first, so the operator sees at once what to fix. */
export function formatFieldErrors(errors: readonly FieldError[]): string[] {
  return errors.map((error) => `  ${error.path}: ${error.message} [${error.code}]`);
}

/** Aligned `label: value` rows for human output. */
export function formatRows(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`);
}
