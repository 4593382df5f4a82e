import { z } from 'zod';

/**
 * The `ssh.command` action kind: one command run on a registered host as one registered account,
 * with a just-in-time OpenSSH user certificate the broker signs for that request alone (its
 * `force-command` is the approved command, its validity the approved window). Shared by the
 * broker (which signs) and the executor (which connects), so both read the same parameters.
 */
export const SSH_COMMAND_KIND = 'ssh.command';

/** An account name as `useradd` accepts it (no dots, no leading dash or digit). */
export const SshPrincipal = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a POSIX account name such as deploy');

/** The most output an action may ask the executor to keep: it is recorded in the result (2000 characters at most). */
export const MAX_SSH_CAPTURE_BYTES = 1024;

/**
 * `ssh.command` parameters. Strict: approvers approved exactly these. The command is one line of
 * visible text (it becomes the certificate's force-command and is shown to approvers verbatim).
 */
export const SshCommandParameters = z.strictObject({
  /** Run by the account's login shell (`sh -c`), as sshd runs a forced command. */
  command: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, 'no control characters or line breaks')
    .regex(/\S/, 'not only whitespace'),
  /** The account to run it as: one of the target's registered principals. */
  principal: SshPrincipal,
  /** Keep at most this many bytes of standard output in the result; by default only its size. */
  captureOutputBytes: z.number().int().min(1).max(MAX_SSH_CAPTURE_BYTES).optional(),
});
export type SshCommandParameters = z.infer<typeof SshCommandParameters>;

/** An OpenSSH public key line without comment, e.g. `ssh-ed25519 AAAAC3Nza...`. */
export const SshPublicKey = z
  .string()
  .max(2048)
  .regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/, 'an OpenSSH public key line');

/**
 * What the target registry says about an SSH target beyond its address (`ssh://host:port`): the
 * accounts a request may ask for and the host key the executor pins (nothing else is trusted).
 */
export const SshTargetSettings = z.strictObject({
  principals: z.array(SshPrincipal).min(1).max(32),
  hostKey: SshPublicKey,
});
export type SshTargetSettings = z.infer<typeof SshTargetSettings>;

export interface SshEndpoint {
  host: string;
  port: number;
}

/** Host and port of an `ssh://host[:port]` address (no user, path or query), or undefined. */
export function sshEndpoint(address: string): SshEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined;
  }
  const bare = !url.username && !url.password && (url.pathname === '' || url.pathname === '/') && !url.search && !url.hash;
  if (url.protocol !== 'ssh:' || !bare || !url.hostname) return undefined;
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 22 };
}

export type ParsedSshParameters = { ok: true; value: SshCommandParameters } | { ok: false; message: string };

export function parseSshCommandParameters(candidate: unknown): ParsedSshParameters {
  const parsed = SshCommandParameters.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    message: parsed.error.issues.map((issue) => `${['parameters', ...issue.path].join('.')}: ${issue.message}`).join('; '),
  };
}

/**
 * Why this target cannot run this `ssh.command`, or undefined: the target has no SSH settings or
 * address, or the principal is not one it registered. The broker (before it signs) and the
 * executor (before it connects) both apply it, with their own copy of the registry.
 */
export function sshTargetProblem(
  target: { name: string; address: string; ssh?: SshTargetSettings | undefined },
  parameters: SshCommandParameters,
): string | undefined {
  if (!target.ssh) return `target ${target.name} has no SSH settings in the registry`;
  if (!sshEndpoint(target.address)) return `target ${target.name} has no ssh:// address`;
  if (!target.ssh.principals.includes(parameters.principal))
    return `target ${target.name} does not let a request act as ${parameters.principal}`;
  return undefined;
}
