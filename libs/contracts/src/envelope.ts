import { z } from 'zod';
import { EventId, Timestamp } from './common';
import { IdentityId } from './identity-id';

export const SPEC_VERSION = '1.0';
export const EVENT_TYPE_PATTERN = /^countersign\.[a-z]+(\.[a-z]+)+\.v[0-9]+$/;

/**
 * A CloudEvents 1.0 structured-mode envelope with Countersign's signature extension attributes.
 * `signature` is Ed25519 over the RFC 8785 bytes of every other attribute, `type` included, so a
 * signature for one type cannot be presented as another.
 */
export const EnvelopeSchema = z.strictObject({
  specversion: z.literal(SPEC_VERSION),
  id: EventId,
  source: z.string().min(1).max(256),
  type: z.string().regex(EVENT_TYPE_PATTERN, 'a versioned type like countersign.request.accepted.v1'),
  subject: z.string().min(1).max(128),
  time: Timestamp,
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
  correlationid: z.string().max(128).optional(),
  causationid: z.string().max(128).optional(),
  signer: IdentityId,
  keyid: z.string().min(1).max(128),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url Ed25519 signature'),
});
export type Envelope<T = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'data'> & { data: T };
export type UnsignedEnvelope<T = unknown> = Omit<Envelope<T>, 'signature'>;

/** The largest envelope any ingress accepts, in bytes; NATS max_payload is set above it. */
export const MAX_ENVELOPE_BYTES = 256 * 1024;
