import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  enrollmentOf,
  ensureKeyFile,
  HomeLayout,
  identityFileOf,
  KeyOwner,
  readKeyFile,
  receivesSealed,
  rotateIdentityKeys,
  signsEvents,
  writePublicJson,
  type Enrollment,
  type KeyFile,
  type KeyKind,
} from '@countersign/identity';
import { optionalString, optionTable, requiredString, type CommandLine } from '../args';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import { formatRows } from '../output';
import { runAction, type Command } from './command';
import { replaceJsonFile } from './key-files';

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

const KINDS: Record<string, KeyKind[]> = { signing: ['signing'], encryption: ['encryption'], both: ['signing', 'encryption'] };

/**
 * Where the identity runs: a new key pair replaces the one in its key file (0600; the NATS key is
 * kept), its enrollment is rewritten, and only the public half goes to --out, for the provisioner's
 * `countersign trust rotate`.
 */
function rotate(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const id = requiredString(line.values, 'id', 'keys');
  const kindName = optionalString(line.values, 'key') ?? 'signing';
  const kinds = KINDS[kindName];
  if (!kinds) throw new UsageError(`--key must be signing, encryption or both, got '${kindName}'`, 'keys');
  const path = resolve(optionalString(line.values, 'file') ?? HomeLayout.identity(ctx.home, id));
  let current: KeyFile;
  let rotated: ReturnType<typeof rotateIdentityKeys>;
  try {
    current = readKeyFile(path);
    if (current.id !== id) throw new Error(`${path} holds ${current.id}, not ${id}`);
    rotated = rotateIdentityKeys(identityFileOf(current), kinds);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.invalidInput);
  }
  const { signing, encryption, previousEncryption } = rotated.file;
  const next: KeyFile = {
    ...current,
    signing,
    ...(encryption ? { encryption } : {}),
    ...(previousEncryption ? { previousEncryption } : {}),
  };
  const out = resolve(optionalString(line.values, 'out') ?? join(process.cwd(), `${id.replace(':', '-')}.public.json`));
  replaceJsonFile(out, rotated.published, 0o644);
  replaceJsonFile(path, next, 0o600);
  writePublicJson(join(dirname(path), 'enrollment.json'), enrollmentOf(next));
  const keys = [rotated.published.signing, rotated.published.encryption].flatMap((key) => (key ? [key.keyId] : []));
  ctx.out.result({ id, keyFile: path, publicKeyFile: out, published: rotated.published }, () => [
    `rotated ${kinds.join(' and ')} key of ${id}: ${keys.join(', ')}`,
    `  private key file  ${path}`,
    `  public key file   ${out}  (hand this to the provisioner: countersign trust rotate --id ${id} --new <file>)`,
  ]);
  return Promise.resolve(ExitCode.ok);
}

export const keysCommand: Command = {
  name: 'keys',
  options: optionTable(['id', 'out', 'enrollment', 'key', 'file']),
  run: runAction('keys', { init, rotate }),
  summary: "this identity's own keys, where it runs: make them (enrollment) or rotate them",
  usage: [
    'countersign keys init --id <kind:name> [--out <key file>] [--enrollment <file>]',
    '',
    '  Run by the identity itself, where it runs: a person on their own machine, a service in its own',
    '  container. Makes an Ed25519 signing key (an X25519 encryption key for service:executor) and a',
    '  NATS NKEY, writes them to the key file (default <home>/keys/<kind>-<name>/key.json, mode 0600)',
    '  and writes the public enrollment next to it. Keeps an existing key file.',
    '',
    'countersign keys rotate --id <identity> [--key signing|encryption|both] [--file <key file>] [--out <public key file>]',
    '',
    '  Generates a new key pair into the key file (the NATS key is kept) and writes its public half',
    '  to --out (default ./<kind>-<name>.public.json). A new encryption key keeps the previous one,',
    '  so credentials sealed to it during the overlap still open.',
    '  Signing: rotate here, `countersign trust rotate` on the provisioner, then restart the identity.',
    '  Encryption: rotate here, restart the executor, then `countersign trust rotate`.',
  ],
  examples: [
    'countersign keys init --id approver:alice',
    'countersign keys init --id service:broker --out /keys/key.json --enrollment /enrollment/service-broker.json',
    'countersign keys rotate --id service:approval --out approval.public.json',
    'countersign keys rotate --id service:executor --key encryption --out executor.public.json',
  ],
};
