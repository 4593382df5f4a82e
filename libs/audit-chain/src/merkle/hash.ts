import { createHash } from 'node:crypto';
import { canonicalJson, type AuditRecordV1 } from '@countersign/contracts';

/**
 * RFC 9162 §2.1.1 hashing with SHA-256: a leaf is hashed as 0x00 || input and an interior node as
 * 0x01 || left || right, so no leaf can pass for a node (second-preimage resistance). Hashes cross
 * this API as lowercase hex, like every other hash in Countersign.
 */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const HASH_HEX = /^[0-9a-f]{64}$/;

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT = createHash('sha256').digest('hex');

export function leafHash(input: Uint8Array): string {
  return createHash('sha256').update(LEAF_PREFIX).update(input).digest('hex');
}

export function nodeHash(left: string, right: string): string {
  return createHash('sha256').update(NODE_PREFIX).update(Buffer.from(left, 'hex')).update(Buffer.from(right, 'hex')).digest('hex');
}

/**
 * The leaf input of an audit record: the UTF-8 bytes of the JCS (RFC 8785) canonical JSON of the
 * whole record, `hash` included. Canonical, so any reader re-derives the same bytes from the record
 * however it was serialized on the wire; leaf index = sequence - 1.
 */
export function recordLeafInput(record: AuditRecordV1): Buffer {
  return Buffer.from(canonicalJson(record), 'utf8');
}

export function recordLeafHash(record: AuditRecordV1): string {
  return leafHash(recordLeafInput(record));
}
