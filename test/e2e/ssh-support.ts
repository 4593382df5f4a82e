import { EventTypes, type CredentialIssuedV1, type Envelope } from '@countersign/contracts';
import { parseSshSecret, sshCaPaths, SshUserCa, type SshCertificateSecret } from '@countersign/credentials';
import { importPrivateKey, loadIdentity, open } from '@countersign/identity';
import type { Stack } from '@countersign/stack';
import type { RunningSshd } from '@countersign/testing';
import { eventually, type AuditReader } from './clients';

/** The SSH demo's sshd, or a failure naming why the stack has none. */
export function demoSshd(stack: Stack): RunningSshd {
  const demo = stack.sshDemo;
  if (!demo || 'unavailable' in demo) throw new Error(`no SSH demo target: ${demo?.unavailable ?? 'not asked for'}`);
  return demo.sshd;
}

export function credentialIssued(audit: AuditReader, requestId: string): Promise<CredentialIssuedV1> {
  return eventually(() => {
    const issued = audit.eventsFor(requestId).find((event) => event.type === EventTypes.CredentialIssued) as
      Envelope<CredentialIssuedV1> | undefined;
    if (!issued) throw new Error(`no credential issued for ${requestId} yet`);
    return issued.data;
  });
}

/**
 * What a thief with the executor's private key (read from its home) gets out of the sealed
 * credential: the SSH private key and certificate. The security rows and the e2e replay use it
 * to show that even the real secret is worthless once the request is over.
 */
export function stolenSshSecret(stack: Stack, issued: CredentialIssuedV1): SshCertificateSecret {
  const executor = loadIdentity(stack.home, 'service:executor');
  if (!executor.encryption) throw new Error('the executor has no encryption key');
  const plaintext = open(issued.sealed, importPrivateKey(executor.encryption.privateKey), `${issued.requestId}:${issued.digest}`);
  const secret = parseSshSecret((JSON.parse(plaintext) as { system?: unknown }).system);
  if (!secret) throw new Error('the sealed credential holds no SSH certificate');
  return secret;
}

/** The serial the broker's grant handle names (`serial:<n> key-id:...`). */
export function grantSerial(issued: CredentialIssuedV1): string {
  const serial = /^serial:(\d+) /.exec(issued.grant?.handle ?? '')?.[1];
  if (!serial) throw new Error(`credential ${issued.credentialId} names no SSH certificate serial`);
  return serial;
}

/** Whether the broker's revocation list (the one the demo sshd reads) names the serial. */
export async function krlNames(stack: Stack, serial: string): Promise<boolean> {
  return (await SshUserCa.open(sshCaPaths(stack.home))).isRevoked(serial);
}
