import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  enrollmentOf,
  ensureKeyFile,
  HomeLayout,
  KeyOwner,
  receivesSealed,
  signsEvents,
  writePublicJson,
  type Enrollment,
} from '@countersign/identity';
import { optionalString, positional, requiredString, type CommandLine } from '../args';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import { formatRows } from '../output';
import type { Command } from './command';

/**
 * `countersign keys init --id <kind:name>`: run by the identity itself, on its own machine. The
 * private key file (0600) never leaves it; the enrollment it prints (public keys only) is what the
 * operator feeds to `countersign provision --enrollments`. Running it again keeps the key.
 */
function init(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const parsed = KeyOwner.safeParse(requiredString(line.values, 'id', 'keys'));
  if (!parsed.success)
    throw new UsageError(`--id must be an identity id like approver:alice, service:broker or target:demo-target`, 'keys');
  const owner = parsed.data;
  const keyFile = resolve(optionalString(line.values, 'out') ?? HomeLayout.identity(ctx.home, owner));
  const enrollmentFile = resolve(optionalString(line.values, 'enrollment') ?? join(dirname(keyFile), 'enrollment.json'));
  const existed = existsSync(keyFile);
  let enrollment: Enrollment;
  try {
    enrollment = enrollmentOf(ensureKeyFile(keyFile, owner).file);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  writePublicJson(enrollmentFile, enrollment);
  const summary = { id: owner, key: existed ? 'kept' : 'generated', keyFile, enrollmentFile, enrollment };
  ctx.out.result(summary, () => [
    `${existed ? 'kept the existing' : 'made a new'} key for ${owner}`,
    ...formatRows([
      ['  private key file', `${keyFile} (0600: stays on this machine, back it up like a password)`],
      ['  enrollment', `${enrollmentFile} (public: send it to whoever provisions)`],
      ['  signing key', enrollment.signing?.keyId ?? (signsEvents(owner) ? '?' : '(none: signs nothing)')],
      ...(receivesSealed(owner) ? [['  encryption key', enrollment.encryption?.keyId ?? '?'] as [string, string]] : []),
      ['  NATS key', enrollment.nats.nkey],
    ]),
    '',
    JSON.stringify(enrollment, null, 2),
  ]);
  return Promise.resolve(ExitCode.ok);
}

/** One line per action; key rotation adds its own here. */
const ACTIONS: Record<string, (ctx: CliContext, line: CommandLine) => Promise<ExitCode>> = { init };

function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const action = positional(line, 0, `keys action (${Object.keys(ACTIONS).join(', ')})`, 'keys');
  const handler = ACTIONS[action];
  if (!handler) throw new UsageError(`unknown keys action '${action}' (expected ${Object.keys(ACTIONS).join(', ')})`, 'keys');
  return handler(ctx, line);
}

export const keysCommand: Command = {
  name: 'keys',
  summary: "make this identity's own keys and print its enrollment (public keys only)",
  usage: [
    'countersign keys init --id <kind:name> [--out <key file>] [--enrollment <file>]',
    '',
    '  Run by the identity itself, where it runs: a person on their own machine, a service in its own',
    '  container. Makes an Ed25519 signing key (an X25519 encryption key for service:executor) and a',
    '  NATS NKEY, writes them to the key file (default <home>/keys/<kind>-<name>/key.json, mode 0600)',
    '  and writes the public enrollment next to it. Keeps an existing key file.',
  ],
  examples: [
    'countersign keys init --id approver:alice',
    'countersign keys init --id service:broker --out /keys/key.json --enrollment /enrollment/service-broker.json',
  ],
  options: { id: { type: 'string' }, out: { type: 'string' }, enrollment: { type: 'string' } },
  run,
};
