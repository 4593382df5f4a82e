import { z } from 'zod';
import type { SshCertificateSecret } from './ssh-user-ca';

/**
 * The `system` secret of an `ssh.command` credential as sealed to the executor: the key pair's
 * private half and the certificate. Parsed strictly on opening: a secret of another shape is no
 * credential (fail closed).
 */
const SshSecretDocument = z.strictObject({
  type: z.literal('ssh-certificate'),
  privateKey: z
    .string()
    .max(8192)
    .regex(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n?$/),
  certificate: z
    .string()
    .max(8192)
    .regex(/^[a-z0-9-]+-cert-v01@openssh\.com [A-Za-z0-9+/]+={0,2}( [\x21-\x7e]+)?$/),
});

export type SshSecretDocument = z.infer<typeof SshSecretDocument>;

export function encodeSshSecret(secret: SshCertificateSecret): SshSecretDocument {
  return { type: 'ssh-certificate', privateKey: secret.privateKey, certificate: secret.certificate };
}

/** The secret as sealed (JSON inside the box, so already parsed), or undefined for anything else. */
export function parseSshSecret(candidate: unknown): SshCertificateSecret | undefined {
  const parsed = SshSecretDocument.safeParse(candidate);
  return parsed.success ? { privateKey: parsed.data.privateKey, certificate: parsed.data.certificate } : undefined;
}
