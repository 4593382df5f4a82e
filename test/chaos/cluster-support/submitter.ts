import type { ActionRequest, Envelope } from '@countersign/contracts';
import { randomUUID } from 'node:crypto';
import type { RequesterClient } from '@countersign/e2e';

export interface Submission {
  requestId: string;
  submissionId: string;
  /** Publishes it took to get a PubAck (more than 1 while a node was down or a leader moved). */
  attempts: number;
}

/**
 * Publishes one signed submission until JetStream acknowledges it, as a real client would: the
 * same envelope, so the same Nats-Msg-Id, and the stream stores it once however many tries it takes.
 * Only an acknowledged submission counts; one still unacknowledged at the deadline is reported.
 */
export async function submitUntilAcked(
  requester: RequesterClient,
  action: ActionRequest,
  deadline: number,
): Promise<Submission | { unacknowledged: string }> {
  const requestId = randomUUID();
  const envelope: Envelope = requester.sign({ requestId, action, reason: 'cluster chaos' });
  for (let attempts = 1; ; attempts += 1) {
    try {
      await requester.publish(envelope);
      return { requestId, submissionId: envelope.id, attempts };
    } catch (error) {
      if (Date.now() > deadline) return { unacknowledged: `${requestId}: ${String(error)}` };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
