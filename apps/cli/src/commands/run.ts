import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  EventTypes,
  parseIdentityId,
  parseWith,
  RUN_ATTESTATION_MAX_TTL_MS,
  RunAttestedV1,
  type Envelope,
  type Parsed,
} from '@countersign/contracts';
import { EnvelopeSigner, HomeLayout, identityFileOf, readKeyFile, type IdentityFile } from '@countersign/identity';
import { optionalString, optionTable, requiredString, type CommandLine } from '../args';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import { formatRows } from '../output';
import { runAction, type Command } from './command';
import { parseOverlap } from './key-files';

export interface RunInput {
  workload: string;
  scope: string;
  onBehalfOf: string;
  ttlMs: number;
  runId: string;
  now: Date;
}

/** The attestation's data, checked by the contract's own schema (TTL at most 12 h) before anything is signed. */
export function buildRunAttestation(input: RunInput): Parsed<RunAttestedV1> {
  return parseWith(RunAttestedV1, {
    runId: input.runId,
    workload: input.workload,
    taskScope: input.scope,
    onBehalfOf: input.onBehalfOf,
    issuedAt: input.now.toISOString(),
    expiresAt: new Date(input.now.getTime() + input.ttlMs).toISOString(),
  });
}

/**
 * The workload's own key: `--key-file`, else $COUNTERSIGN_KEY_FILE (where an agent's key lives on
 * its own machine), else `--as <requester>` in the home. Only a requester's key can attest a run.
 */
function workloadKey(ctx: CliContext, line: CommandLine): IdentityFile {
  const as = optionalString(line.values, 'as');
  const file = optionalString(line.values, 'key-file') ?? process.env.COUNTERSIGN_KEY_FILE;
  if (file === undefined && as === undefined)
    throw new UsageError('give the workload: --as <requester>, --key-file or $COUNTERSIGN_KEY_FILE', 'run');
  let identity: IdentityFile;
  try {
    identity = identityFileOf(readKeyFile(file ?? HomeLayout.identity(ctx.home, `requester:${as}`)));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (parseIdentityId(identity.id).kind !== 'requester')
    throw new CliError(`${identity.id} is not a requester: only a workload attests its runs`);
  if (as !== undefined && identity.id !== `requester:${as}`) throw new CliError(`the key file is ${identity.id}'s, not requester:${as}'s`);
  return identity;
}

function ttlOf(line: CommandLine): number {
  const text = requiredString(line.values, 'ttl', 'run');
  const ms = parseOverlap(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`--ttl must be a duration like 90s, 30m or 2h, got '${text}'`, 'run');
  return ms;
}

function attest(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const identity = workloadKey(ctx, line);
  const now = new Date();
  const built = buildRunAttestation({
    workload: identity.id,
    scope: requiredString(line.values, 'scope', 'run'),
    onBehalfOf: requiredString(line.values, 'on-behalf-of', 'run'),
    ttlMs: ttlOf(line),
    runId: optionalString(line.values, 'run-id') ?? randomUUID(),
    now,
  });
  if (!built.ok) throw new CliError('invalid run attestation, nothing was signed', ExitCode.invalidInput, built.errors);
  const envelope: Envelope<RunAttestedV1> = new EnvelopeSigner(identity.id, identity.signing).sign({
    id: randomUUID(),
    type: EventTypes.RunAttested,
    subject: built.value.runId,
    time: now.toISOString(),
    data: built.value,
  });
  const out = optionalString(line.values, 'out');
  if (out === undefined) {
    // The envelope itself, so it can be piped into a file or an MCP client's configuration.
    ctx.out.result(envelope, () => [JSON.stringify(envelope, null, 2)]);
    return Promise.resolve(ExitCode.ok);
  }
  const path = resolve(out);
  // It lets whoever holds it speak for this run until it expires: keep it like a short-lived token.
  writeFileSync(path, `${JSON.stringify(envelope, null, 2)}\n`, { mode: 0o600 });
  const summary = {
    runId: built.value.runId,
    workload: identity.id,
    taskScope: built.value.taskScope,
    expiresAt: built.value.expiresAt,
    file: path,
  };
  ctx.out.result(summary, () => [
    `attested run ${summary.runId}`,
    ...formatRows([
      ['  workload', identity.id],
      ['  task scope', summary.taskScope],
      ['  on behalf of', built.value.onBehalfOf],
      ['  expires', summary.expiresAt],
      ['  written to', `${path} (0600)`],
    ]),
  ]);
  return Promise.resolve(ExitCode.ok);
}

export const runCommand: Command = {
  name: 'run',
  options: optionTable(['as', 'key-file', 'scope', 'on-behalf-of', 'ttl', 'run-id', 'out']),
  run: runAction('run', { attest }),
  summary: "attest an agent workload's run: its task scope and the human it acts for, signed by the workload",
  usage: [
    'countersign run attest --scope <task scope> --on-behalf-of <identity id> --ttl <30m> [--out <file>]',
    '                       [--as <requester> | --key-file <file>] [--run-id <id>]',
    '',
    "  Signed with the workload's own key: --key-file, else $COUNTERSIGN_KEY_FILE, else --as in the home.",
    `  --ttl     how long the run may ask (90s, 30m, 2h); at most ${RUN_ATTESTATION_MAX_TTL_MS / 3_600_000}h. Intake judges expiry by its own clock.`,
    '  --scope   one of the task scopes the registry lists for this workload',
    '  --out     write the envelope to a file (0600) instead of printing it; pass it to',
    '            `countersign submit --run <file>` or the MCP gateway (COUNTERSIGN_RUN_ATTESTATION_FILE)',
  ],
  examples: [
    'countersign run attest --as payments-agent --scope vendor-payments --on-behalf-of approver:dave --ttl 30m --out run.json',
    'COUNTERSIGN_KEY_FILE=~/.agent/key.json countersign run attest --scope deploy-staging --on-behalf-of approver:alice --ttl 2h',
  ],
};
