import { createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@countersign/contracts';

/** The pipeline's envelope shape and signing rule (Ed25519 over the RFC 8785 form without `signature`). */
export interface RefEnvelope {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
  signer: string;
  keyid: string;
  signature: string;
}

export interface KeyFile {
  privateKeyPem: string;
  publicKeyPem: string;
}

export class RefSigner {
  private readonly key: KeyObject;
  constructor(
    readonly identity: string,
    keys: KeyFile,
  ) {
    this.key = createPrivateKey(keys.privateKeyPem);
  }

  sign(type: string, subject: string, data: Record<string, unknown>): RefEnvelope {
    const unsigned = {
      specversion: '1.0' as const,
      id: randomUUID(),
      source: `countersign/${this.identity}`,
      type,
      subject,
      time: new Date().toISOString(),
      datacontenttype: 'application/json' as const,
      data,
      signer: this.identity,
      keyid: this.identity,
    };
    const signature = sign(null, Buffer.from(canonicalJson(unsigned), 'utf8'), this.key).toString('base64url');
    return { ...unsigned, signature };
  }
}

/** Parses and verifies a delivery against the known keys; throws when it does not verify. */
export class RefVerifier {
  private readonly keys: Map<string, KeyObject>;
  constructor(keys: Record<string, KeyFile>) {
    this.keys = new Map(Object.entries(keys).map(([identity, file]) => [identity, createPublicKey(file.publicKeyPem)]));
  }

  verify(bytes: Uint8Array): RefEnvelope {
    const envelope = JSON.parse(Buffer.from(bytes).toString('utf8')) as RefEnvelope;
    const key = this.keys.get(envelope.signer);
    if (!key) throw new Error(`unknown signer ${envelope.signer}`);
    const { signature, ...unsigned } = envelope;
    if (!verify(null, Buffer.from(canonicalJson(unsigned), 'utf8'), key, Buffer.from(signature, 'base64url'))) {
      throw new Error(`bad signature on ${envelope.id}`);
    }
    return envelope;
  }
}
