import { DEFAULT_NATS_URL } from '../context';
import type { Command } from './command';

const GLOBAL_HELP = [
  'global options (before or after the command):',
  '  --home <dir>   identities, trust.json and NATS credentials (default: $COUNTERSIGN_HOME or ./.countersign)',
  `  --nats <url>   NATS server (default: $COUNTERSIGN_NATS_URL or ${DEFAULT_NATS_URL})`,
  '  --json         machine-readable output: one JSON document per result line, errors as JSON on stderr',
  '  -h, --help     help for the command',
];

const EXIT_CODES = [
  'exit codes: 0 ok, 1 failure or verification break, 2 invalid input (nothing published),',
  '            3 request rejected/denied/expired/failed, 4 timed out waiting',
];

export function generalHelp(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((command) => command.name.length), 'help'.length);
  return [
    'countersign — the Countersign operator CLI: one identity asks, another approves, a third executes, a fourth proves it.',
    '',
    'usage: countersign [--home <dir>] [--nats <url>] [--json] <command> [options]',
    '',
    'commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    `  ${'help'.padEnd(width)}  this text, or one command's: countersign help <command>`,
    '',
    ...GLOBAL_HELP,
    '',
    ...EXIT_CODES,
    '',
    'examples:',
    '  countersign provision',
    '  countersign submit --as deploy-bot --kind http.request --target demo-staging --param path=/v1/deploy --reason "release 4.2" --wait',
    '  countersign status <request-id>',
    '  countersign vote --as alice --request <request-id> --digest <digest from status> --rendering <rendering digest from status> --approve',
    '  countersign audit verify --request <request-id>',
    '  countersign policy test deploy/policies',
  ];
}

export function commandHelp(command: Command): string[] {
  return [
    `countersign ${command.name} — ${command.summary}`,
    '',
    'usage:',
    ...command.usage.map((line) => `  ${line}`),
    '',
    'examples:',
    ...command.examples.map((line) => `  ${line}`),
    '',
    ...GLOBAL_HELP,
  ];
}
