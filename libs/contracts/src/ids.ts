import { createHash } from 'node:crypto';

/**
 * A UUID (version 8, RFC 9562) derived from a cause and a tag. Events produced in answer to an
 * inbound message get ids derived from that message's id, so handling a redelivery appends the very
 * same ids and the store recognises the retry instead of writing the events twice.
 */
export function deterministicId(causeId: string, tag: string): string {
  const bytes = createHash('sha256').update(`${causeId}\u0000${tag}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
