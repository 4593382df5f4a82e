import { positional, type CommandLine, type OptionsConfig } from '../args';
import { UsageError, type CliContext, type ExitCode } from '../context';

/** One `countersign <name>` command: its options, its help text, and what it does. */
export interface Command {
  name: string;
  options: OptionsConfig;
  run(ctx: CliContext, line: CommandLine): Promise<ExitCode>;
  summary: string;
  /** Usage lines, shown by `countersign help <name>` and after a usage error. */
  usage: string[];
  examples: string[];
}

export type Action = (ctx: CliContext, line: CommandLine) => Promise<ExitCode>;

/**
 * The `run` of `countersign <command> <action> …`: runs the action the first word names, or refuses
 * with the actions there are (own keys only, so `constructor` or `__proto__` is an unknown action too).
 */
export function runAction(command: string, actions: Record<string, Action>): Action {
  const names = Object.keys(actions).join(', ');
  return (ctx, line) => {
    const action = positional(line, 0, `${command} action (${names})`, command);
    const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!handler) throw new UsageError(`unknown ${command} action '${action}' (expected ${names})`, command);
    return handler(ctx, line);
  };
}
