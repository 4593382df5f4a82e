import { errorMessage } from '@countersign/contracts';
import { flag, optionalString, parseCommandLine, splitCommand } from './args';
import { auditCommand } from './commands/audit';
import type { Command } from './commands/command';
import { commandHelp, generalHelp } from './commands/help';
import { keysCommand } from './commands/keys';
import { policyCommand } from './commands/policy-test';
import { provisionCommand } from './commands/provision';
import { runCommand } from './commands/run';
import { statusCommand } from './commands/status';
import { submitCommand } from './commands/submit';
import { trustCommand } from './commands/trust';
import { voteCommand } from './commands/vote';
import { CliError, createContext, ExitCode, resolveGlobals, UsageError } from './context';
import { Output, processIo, type Io } from './output';

export const COMMANDS: readonly Command[] = [
  submitCommand,
  runCommand,
  voteCommand,
  statusCommand,
  auditCommand,
  policyCommand,
  provisionCommand,
  keysCommand,
  trustCommand,
];

const findCommand = (name: string) => COMMANDS.find((command) => command.name === name);

function print(io: Io, lines: string[]): void {
  io.stdout(lines.map((line) => `${line}\n`).join(''));
}

/** `countersign`, `countersign help [command]`, `countersign --help`. */
function help(io: Io, rest: readonly string[], requested: boolean): ExitCode {
  const topic = parseCommandLine(rest, {}, 'help').positionals[0];
  const command = topic === undefined ? undefined : findCommand(topic);
  if (topic !== undefined && !command) throw new UsageError(`unknown command '${topic}'`);
  print(io, command ? commandHelp(command) : generalHelp(COMMANDS));
  // A bare `countersign` is a mistake in a script; asking for help is not.
  return requested ? ExitCode.ok : ExitCode.invalidInput;
}

function report(error: unknown, out: Output, io: Io): ExitCode {
  if (error instanceof CliError) {
    out.error(error.message, error.details);
    if (error instanceof UsageError && !out.json)
      io.stderr(`run 'countersign help${error.command ? ` ${error.command}` : ''}' for usage\n`);
    return error.exitCode;
  }
  // Failures of the libraries (missing home, unreadable key) carry good messages; a stack would bury them.
  out.error(errorMessage(error));
  return ExitCode.failure;
}

/** Runs one command line and returns the exit code; never exits the process itself (testable). */
export async function run(
  argv: readonly string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<ExitCode> {
  const { command: name, rest } = splitCommand(argv);
  // Known before parsing so that even an argument error is reported as JSON when asked.
  const out = new Output(io, argv.includes('--json'));
  try {
    if (name === undefined || name === 'help') return help(io, rest, name === 'help' || rest.includes('--help') || rest.includes('-h'));
    const command = findCommand(name);
    if (!command) throw new UsageError(`unknown command '${name}'`);
    const line = parseCommandLine(rest, command.options, command.name);
    if (flag(line.values, 'help')) {
      print(io, commandHelp(command));
      return ExitCode.ok;
    }
    const { values } = line;
    const globals = resolveGlobals(
      { home: optionalString(values, 'home'), nats: optionalString(values, 'nats'), json: flag(values, 'json') },
      env,
      cwd,
    );
    return await command.run(createContext(globals, out), line);
  } catch (error) {
    return report(error, out, io);
  }
}

export function main(argv: readonly string[]): Promise<ExitCode> {
  return run(argv);
}
