import { createHash } from 'node:crypto';
import { IdentityId, MessageDeadLetteredV1, type FieldError } from '@countersign/contracts';

/**
 * A message a consumer gave up on, with everything an operator needs to find it on the bus and
 * judge it. The transport hands it to the service, which records it in its own store (and so the
 * relay publishes it to audit) before the message is terminated.
 */
export interface DeadLetter {
  code: string;
  message: string;
  errors?: FieldError[];
  claimedSigner?: string;
  subject: string;
  stream: string;
  streamSequence: number;
  deliveries: number;
  consumer: string;
  payload: Uint8Array;
}

/**
 * The dead-letter event is itself relayed to the bus, so it must fit in one message: the raw
 * payload is cut to this many bytes (the sha256 still covers all of it, so a cut is detectable).
 */
export const DEAD_LETTER_PAYLOAD_BYTES = 64 * 1024;
/** A hostile payload can produce thousands of schema errors; a few name the problem. */
export const DEAD_LETTER_MAX_ERRORS = 20;
const MAX_ERROR_TEXT = 200;

export function toDeadLetterData(letter: DeadLetter, now: string): MessageDeadLetteredV1 {
  const payload = Buffer.from(letter.payload.buffer, letter.payload.byteOffset, letter.payload.byteLength);
  const data = {
    consumer: clip(letter.consumer, 128),
    stream: clip(letter.stream, 64),
    streamSequence: letter.streamSequence,
    subject: clip(letter.subject, 256),
    deliveries: Math.max(1, letter.deliveries),
    code: clip(letter.code, 64),
    message: clip(letter.message, 2000),
    ...(letter.errors && letter.errors.length > 0 ? { errors: boundErrors(letter.errors) } : {}),
    // A claim that is not even a well-formed id is dropped rather than failing the dead letter.
    ...(IdentityId.safeParse(letter.claimedSigner).success ? { claimedSigner: letter.claimedSigner } : {}),
    payloadSha256: createHash('sha256').update(payload).digest('hex'),
    payloadBase64: payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES).toString('base64'),
    deadLetteredAt: now,
  };
  // Parsing proves the event we are about to sign and store is valid for its own schema.
  return MessageDeadLetteredV1.parse(data);
}

function boundErrors(errors: FieldError[]): FieldError[] {
  return errors.slice(0, DEAD_LETTER_MAX_ERRORS).map((error) => ({
    path: clip(error.path, MAX_ERROR_TEXT),
    code: clip(error.code, MAX_ERROR_TEXT),
    message: clip(error.message, MAX_ERROR_TEXT),
  }));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
