import { z } from 'zod';
import { Timestamp } from '../common';
import { IdentityId } from '../identity-id';

/**
 * A message a consumer terminated instead of processing: malformed, unverifiable, or out of
 * deliveries. Recorded in the consumer's own store and so relayed to audit; never dropped silently.
 */
export const MessageDeadLetteredV1 = z.strictObject({
  consumer: z.string().max(128),
  stream: z.string().max(64),
  streamSequence: z.number().int().min(0),
  subject: z.string().max(256),
  deliveries: z.number().int().min(1),
  code: z.string().max(64),
  message: z.string().max(2000),
  errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
  claimedSigner: IdentityId.optional(),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
  payloadBase64: z.string().max(400_000),
  deadLetteredAt: Timestamp,
});
export type MessageDeadLetteredV1 = z.infer<typeof MessageDeadLetteredV1>;
