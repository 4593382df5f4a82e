import { resolve } from 'node:path';
import { ZodError } from 'zod';
import { toFieldErrors } from '@countersign/contracts';
import { HomeLayout, PublicKeyFile, rotateTrustedKeys, TrustStoreDocument } from '@countersign/identity';
import { optionalString, optionTable, requiredString, type CommandLine } from '../args';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import { runAction, type Command } from './command';
import { parseOverlap, readJsonFile, replaceJsonFile } from './key-files';

/** Long enough for a restart and for events already signed with the old key to reach every service. */
const DEFAULT_OVERLAP = '10m';

/**
 * On the provisioner: the public key file's keys become active and the identity's previous keys of
 * the same kind retire after the overlap. trust.json is replaced atomically; running services pick
 * it up within COUNTERSIGN_TRUST_RELOAD_MS, none needs a restart.
 */
function rotate(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const id = requiredString(line.values, 'id', 'trust');
  const file = resolve(requiredString(line.values, 'new', 'trust'));
  const overlapText = optionalString(line.values, 'overlap') ?? DEFAULT_OVERLAP;
  const overlapMs = parseOverlap(overlapText);
  if (overlapMs === undefined) throw new UsageError(`--overlap must look like 90s, 10m or 2h, got '${overlapText}'`, 'trust');
  const path = HomeLayout.trust(ctx.home);
  const retireAt = new Date(Date.now() + overlapMs).toISOString();
  let next: TrustStoreDocument;
  try {
    const published = PublicKeyFile.parse(readJsonFile(file, 'public key file'));
    if (published.id !== id) throw new CliError(`${file} is the public key file of ${published.id}, not ${id}`, ExitCode.invalidInput);
    next = rotateTrustedKeys(TrustStoreDocument.parse(readJsonFile(path, 'trust store')), { published, retireAt });
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof ZodError)
      throw new CliError(`invalid public key file or trust store`, ExitCode.invalidInput, toFieldErrors(error));
    throw new CliError((error as Error).message, ExitCode.invalidInput);
  }
  replaceJsonFile(path, next, 0o644);
  const identity = next.identities.find((candidate) => candidate.id === id)!;
  const keys = [...identity.signingKeys, ...identity.encryptionKeys].map(({ keyId, status, retiredAt }) => ({
    keyId,
    status,
    ...(retiredAt ? { retiredAt } : {}),
  }));
  ctx.out.result({ id, trustStore: path, retireAt, keys }, () => [
    `trust store ${path}: ${id} rotated; previous keys retire at ${retireAt}`,
    ...keys.map((key) => `  ${key.keyId.padEnd(40)} ${key.status}${key.retiredAt ? ` at ${key.retiredAt}` : ''}`),
  ]);
  return Promise.resolve(ExitCode.ok);
}

export const trustCommand: Command = {
  name: 'trust',
  options: optionTable(['id', 'new', 'overlap']),
  run: runAction('trust', { rotate }),
  summary: 'edit trust.json on the provisioner: make a new public key active and retire the old one',
  usage: [
    'countersign trust rotate --id <identity> --new <public key file> [--overlap 10m]',
    '',
    '  The old key keeps verifying what services and audit saw before now + overlap, and nothing',
    '  after. Running services re-read trust.json while they run; none needs a restart.',
  ],
  examples: ['countersign trust rotate --id service:approval --new approval.public.json --overlap 5m'],
};
