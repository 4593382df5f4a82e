import { z } from 'zod';

export const RequestId = z.uuid();
export const EventId = z.uuid();
/** Lowercase hex SHA-256, the form every digest in the protocol takes. */
export const Digest = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 digest');
export const Timestamp = z.iso.datetime({ offset: false });
export const Reason = z.string().trim().min(1).max(500);

export const TimeWindow = z
  .object({ notBefore: Timestamp, notAfter: Timestamp })
  .refine((w) => Date.parse(w.notBefore) < Date.parse(w.notAfter), {
    message: 'notBefore must be before notAfter',
    path: ['notAfter'],
  });
export type TimeWindow = z.infer<typeof TimeWindow>;
