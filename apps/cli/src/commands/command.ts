import type { CommandLine, OptionsConfig } from '../args';
import type { CliContext, ExitCode } from '../context';

/** One `countersign <name>` command: its options, its help text, and what it does. */
export interface Command {
  name: string;
  summary: string;
  /** Usage lines, shown by `countersign help <name>` and after a usage error. */
  usage: string[];
  examples: string[];
  options: OptionsConfig;
  run(ctx: CliContext, line: CommandLine): Promise<ExitCode>;
}
