import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './context';

/** The option table node:util parseArgs takes (@types/node 20 does not export a name for it). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * A command's option table from its option names: each takes a value (`--as alice`) unless it is
 * one of the `flags` (`--approve`). Options that need more (a list) are added to the result.
 */
export function optionTable(values: readonly string[], flags: readonly string[] = []): OptionsConfig {
  const table: OptionsConfig = {};
  for (const name of values) table[name] = { type: 'string' };
  for (const name of flags) table[name] = { type: 'boolean' };
  return table;
}

/** Options every command accepts, before or after the command word. */
export const GLOBAL_OPTIONS = {
  home: { type: 'string' },
  nats: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CommandLine {
  values: OptionValues;
  positionals: string[];
}

/**
 * Splits off the command word: the first token that is neither an option nor the value of a global
 * option. Only globals can precede the command, so their value-taking forms are all we must skip.
 */
export function splitCommand(argv: readonly string[]): { command?: string; rest: string[] } {
  const takesValue = new Set(Object.entries(GLOBAL_OPTIONS).flatMap(([name, spec]) => (spec.type === 'string' ? [`--${name}`] : [])));
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (takesValue.has(token)) {
      index++;
      continue;
    }
    if (!token.startsWith('-')) return { command: token, rest: [...argv.slice(0, index), ...argv.slice(index + 1)] };
  }
  return { rest: [...argv] };
}

/** Strict parsing: an unknown or misspelt option is an error, never silently ignored. */
export function parseCommandLine(args: readonly string[], options: OptionsConfig, command?: string): CommandLine {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

export function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(values: OptionValues, name: string, command?: string): string {
  const value = optionalString(values, name);
  if (value === undefined || value.length === 0) throw new UsageError(`--${name} is required`, command);
  return value;
}

export function stringList(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export function positiveInteger(values: OptionValues, name: string, command?: string): number | undefined {
  const text = optionalString(values, name);
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--${name} must be a positive whole number, got '${text}'`, command);
  return Number(text);
}

/** Exactly one positional argument where a command expects one (a request id, a subcommand). */
export function positional(line: CommandLine, index: number, what: string, command?: string): string {
  const value = line.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`, command);
  return value;
}
