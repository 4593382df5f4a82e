import { join, resolve } from 'node:path';
import { HomeLayout, rotateIdentityKeys, type IdentityFile, type KeyKind } from '@countersign/identity';
import { optionalString, positional, requiredString, type CommandLine } from '../args';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import type { Command } from './command';
import { readJsonFile, replaceJsonFile } from './key-files';

const KINDS: Record<string, KeyKind[]> = { signing: ['signing'], encryption: ['encryption'], both: ['signing', 'encryption'] };

/**
 * Where the identity runs: a new key pair replaces its key file (private, 0600) and only the public
 * half is printed and written out, for the provisioner's `countersign trust rotate`.
 */
function rotate(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const id = requiredString(line.values, 'id', 'keys');
  const kindName = optionalString(line.values, 'key') ?? 'signing';
  const kinds = KINDS[kindName];
  if (!kinds) throw new UsageError(`--key must be signing, encryption or both, got '${kindName}'`, 'keys');
  const path = HomeLayout.identity(ctx.home, id);
  const current = readJsonFile(path, `key file of ${id}`) as IdentityFile;
  if (current.id !== id) throw new CliError(`${path} holds ${String(current.id)}, not ${id}`);
  let rotated: ReturnType<typeof rotateIdentityKeys>;
  try {
    rotated = rotateIdentityKeys(current, kinds);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.invalidInput);
  }
  const out = resolve(optionalString(line.values, 'out') ?? join(process.cwd(), `${id.replace(':', '-')}.public.json`));
  replaceJsonFile(out, rotated.published, 0o644);
  replaceJsonFile(path, rotated.file, 0o600);
  const keys = [rotated.published.signing, rotated.published.encryption].flatMap((key) => (key ? [key.keyId] : []));
  ctx.out.result({ id, keyFile: path, publicKeyFile: out, published: rotated.published }, () => [
    `rotated ${kinds.join(' and ')} key of ${id}: ${keys.join(', ')}`,
    `  private key file  ${path}`,
    `  public key file   ${out}  (hand this to the provisioner: countersign trust rotate --id ${id} --new <file>)`,
  ]);
  return Promise.resolve(ExitCode.ok);
}

function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const action = positional(line, 0, 'keys action (rotate)', 'keys');
  if (action === 'rotate') return rotate(ctx, line);
  throw new UsageError(`unknown keys action '${action}' (expected rotate)`, 'keys');
}

export const keysCommand: Command = {
  name: 'keys',
  summary: "an identity's own keys, where it runs: rotate them",
  usage: [
    'countersign keys rotate --id <identity> [--key signing|encryption|both] [--out <public key file>]',
    '',
    '  rotate  generates a new key pair into the identity key file (<home>/identities/<id>.json) and',
    '          writes its public half to --out (default ./<kind>-<name>.public.json). A new encryption',
    '          key keeps the previous one, so credentials sealed to it during the overlap still open.',
    '          Signing: rotate here, `countersign trust rotate` on the provisioner, then restart the identity.',
    '          Encryption: rotate here, restart the executor, then `countersign trust rotate`.',
  ],
  examples: [
    'countersign keys rotate --id service:approval --out approval.public.json',
    'countersign keys rotate --id service:executor --key encryption --out executor.public.json',
  ],
  options: { id: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' } },
  run,
};
