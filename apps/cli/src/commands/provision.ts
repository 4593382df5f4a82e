import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ZodError } from 'zod';
import { toFieldErrors } from '@countersign/contracts';
import { HomeLayout, provision, type ProvisionResult } from '@countersign/identity';
import { pinPolicy, policyPinFile, type PolicyPin } from '@countersign/policy-engine';
import { optionalString, optionTable, type CommandLine } from '../args';
import { CliError, ExitCode, type CliContext } from '../context';
import { formatRows } from '../output';
import type { Command } from './command';

/** The repository's own description, found from this file so the default works from any directory. */
const DEFAULT_DESCRIPTION = join(__dirname, '..', '..', '..', '..', 'deploy', 'identities.json');
const DEFAULT_POLICY = join(__dirname, '..', '..', '..', '..', 'deploy', 'policies', 'default.policy.json');
/** The target registry next to it. */
const DEFAULT_TARGETS = join(__dirname, '..', '..', '..', '..', 'deploy', 'targets.json');

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CliError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

/** Only names and paths: private keys and NATS seeds stay with the identities that made them. */
export function provisionSummary(result: ProvisionResult, pin: PolicyPin) {
  const generated = new Set(result.generated);
  return {
    mode: result.mode,
    policyPin: { file: policyPinFile(result.home), version: pin.version, label: pin.label, policy: pin.policyFile },
    home: result.home,
    trustStore: HomeLayout.trust(result.home),
    registry: HomeLayout.registry(result.home),
    targets: result.targets,
    identities: result.identities.map((id) => ({ id, keys: generated.has(id) ? 'generated' : 'kept' })),
    natsUsers: result.natsUsers,
    notEnrolled: result.notEnrolled,
  };
}

export function formatProvisionSummary(summary: ReturnType<typeof provisionSummary>): string[] {
  const generated = summary.identities.filter((identity) => identity.keys === 'generated').length;
  const development = summary.mode === 'development';
  return [
    development
      ? `DEVELOPMENT MODE: made every identity's keys on this machine (${summary.home}/keys); use --enrollments in deployment`
      : `provisioned from enrollments (public keys only)`,
    `provisioned ${summary.home}`,
    ...formatRows([
      ['  trust store', summary.trustStore],
      ['  registry', summary.registry],
      ['  policy pin', `${summary.policyPin.label} (${summary.policyPin.version}) in ${summary.policyPin.file}`],
      ['  targets', summary.targets.join(', ') || '(none: every submission will be rejected)'],
      development
        ? ['  keys', `${generated} generated, ${summary.identities.length - generated} kept`]
        : ['  not enrolled', summary.notEnrolled.join(', ') || '(none)'],
    ]),
    '  identities:',
    ...summary.identities.map((identity) => `    ${identity.id.padEnd(28)} ${development ? identity.keys : 'enrolled'}`),
    `  NATS users: ${summary.natsUsers.join(', ')}`,
  ];
}

function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const descriptionPath = resolve(optionalString(line.values, 'description') ?? DEFAULT_DESCRIPTION);
  const policyPath = resolve(optionalString(line.values, 'policy') ?? process.env.COUNTERSIGN_POLICY_FILE ?? DEFAULT_POLICY);
  const targetsPath = resolve(optionalString(line.values, 'targets') ?? DEFAULT_TARGETS);
  const enrollments = optionalString(line.values, 'enrollments');
  let result: ProvisionResult;
  let pin: PolicyPin;
  try {
    const description = readJsonFile(descriptionPath, 'identity description');
    result = provision({
      description,
      targets: readJsonFile(targetsPath, 'target registry'),
      home: ctx.home,
      ...(enrollments ? { enrollments: resolve(enrollments) } : {}),
    });
    pin = pinPolicy(ctx.home, policyPath);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof ZodError)
      throw new CliError(
        `invalid identity description ${descriptionPath} or target registry ${targetsPath}`,
        ExitCode.invalidInput,
        toFieldErrors(error),
      );
    throw new CliError(`provisioning from ${descriptionPath} failed: ${(error as Error).message}`);
  }
  const summary = provisionSummary(result, pin);
  ctx.out.result(summary, () => formatProvisionSummary(summary));
  return Promise.resolve(ExitCode.ok);
}

export const provisionCommand: Command = {
  name: 'provision',
  options: optionTable(['description', 'targets', 'policy', 'enrollments']),
  run,
  summary: 'build trust store, registry and NATS users (public NKEYs) from enrollments (idempotent)',
  usage: [
    'countersign provision --enrollments <dir> [--description deploy/identities.json] [--targets deploy/targets.json]',
    '                      [--policy deploy/policies/default.policy.json]',
    '',
    '  --enrollments: a folder of enrollment files (countersign keys init), public keys only; a file',
    '  holding any private material is refused. Identities without an enrollment get no trusted key',
    "  and no NATS user. Without --enrollments: DEVELOPMENT MODE, every identity's key is made here",
    '  (<home>/keys/<id>/), then enrolled the same way. Existing keys are kept.',
    '  The target registry (environment, sensitivity, owner team, kinds, address and allowed',
    '  requesters of each target) goes into the registry intake reads.',
    '  Pins the policy bundle (its version hash): the broker and the executor refuse to start on any other.',
    '  Prints names and paths only, never private keys or seeds.',
  ],
  examples: [
    'countersign --home /srv/countersign provision --enrollments /srv/enrollments',
    'countersign provision    # development mode: every identity on this machine',
  ],
};
