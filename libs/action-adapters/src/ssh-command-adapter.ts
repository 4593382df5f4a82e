import {
  parseSshCommandParameters,
  SSH_COMMAND_KIND,
  sshEndpoint,
  sshTargetProblem,
  type CanonicalAction,
  type SshTargetSettings,
} from '@countersign/contracts';
import { parseSshSecret } from '@countersign/credentials';
import type { ActionAdapter, AdapterResult, ExecutionContext, ExecutionCredential } from './action-adapter';
import { runOpenSsh } from './openssh-client';
import { fail, refuseUnbound } from './target-http';

/** A registered SSH target as the executor's registry has it. */
export interface SshTargetRegistration {
  name: string;
  address: string;
  ssh?: SshTargetSettings | undefined;
}

export interface SshCommandAdapterOptions {
  timeoutMs: number;
}

/**
 * Runs `ssh.command` actions: one login to the registered host as the approved account with the
 * certificate the broker signed for this request, pinning the host key the registry names, and
 * one run of the approved command (the certificate forces it anyway). Records the exit status and
 * the output's size, and the output itself only when the action asked for a bounded capture.
 * Never retried: a failure after login is in doubt, for a human.
 */
export class SshCommandAdapter implements ActionAdapter {
  readonly kind = SSH_COMMAND_KIND;
  private readonly targets = new Map<string, SshTargetRegistration>();

  constructor(
    targets: readonly SshTargetRegistration[],
    private readonly options: SshCommandAdapterOptions,
  ) {
    for (const target of targets) if (target.ssh) this.targets.set(target.name, target);
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) throw new Error('timeoutMs must be a positive integer');
  }

  async execute(action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Promise<AdapterResult> {
    const unbound = refuseUnbound(this.kind, action, credential, context);
    if (unbound) return unbound;
    const target = this.targets.get(action.target);
    if (!target?.ssh) return fail('unknown_target', `target ${action.target} is not a registered SSH target`);
    const parameters = parseSshCommandParameters(action.parameters);
    if (!parameters.ok) return fail('invalid_parameters', parameters.message);
    const problem = sshTargetProblem(target, parameters.value);
    if (problem) return fail('invalid_parameters', problem);
    const secret = parseSshSecret(credential.system);
    if (!secret) return fail('invalid_credential', 'the credential carries no SSH certificate');
    const endpoint = sshEndpoint(target.address);
    if (!endpoint) return fail('unknown_target', `target ${target.name} has no ssh:// address`);
    const run = await runOpenSsh({
      ...endpoint,
      hostKey: target.ssh.hostKey,
      principal: parameters.value.principal,
      command: parameters.value.command,
      secret,
      timeoutMs: this.options.timeoutMs,
      captureBytes: parameters.value.captureOutputBytes ?? 0,
      ...(context.signal ? { signal: context.signal } : {}),
    });
    if (!run.ok) return run;
    const summary = `exit ${run.exitStatus}; stdout ${run.stdoutBytes} bytes, stderr ${run.stderrBytes} bytes${capture(run.captured)}`;
    if (run.exitStatus === 0) return { ok: true, status: 0, summary };
    return fail('command_failed', `${parameters.value.command}: ${summary}`);
  }
}

/** The captured start of standard output, made safe for a log line (no control characters). */
function capture(captured: string | undefined): string {
  if (captured === undefined) return '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach logs
  return `; output: ${JSON.stringify(captured.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?'))}`;
}
