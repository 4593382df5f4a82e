import { randomUUID } from 'node:crypto';
import { EventTypes, OUTCOMES, type RequesterNotifiedV1 } from '@countersign/contracts';
import type { Msg, Subscription } from 'nats';
import type { CliContext } from '../context';
import { Output } from '../output';
import { memoryIdentities } from '../testing/story';
import { EXIT_FOR_OUTCOME, formatNotification, readNotification, waitForOutcome } from './outcomes';

const { trust, signerFor } = memoryIdentities(['service:intake', 'service:approval', 'approver:alice']);
const awaited = { requestId: randomUUID(), submissionId: randomUUID() };

function notification(signer: string, data: Partial<RequesterNotifiedV1> = {}): string {
  const body: RequesterNotifiedV1 = {
    requestId: awaited.requestId,
    requester: 'requester:deploy-bot',
    outcome: 'executed',
    causationEventId: randomUUID(),
    notifiedAt: '2026-11-21T10:05:00.000Z',
    ...data,
  };
  return JSON.stringify(
    signerFor(signer).sign({
      id: randomUUID(),
      type: EventTypes.RequesterNotified,
      subject: awaited.requestId,
      time: body.notifiedAt,
      data: body,
    }),
  );
}

describe('readNotification', () => {
  it('accepts a notification for this request signed by intake', () => {
    expect(readNotification(trust, notification('service:intake'), awaited)).toMatchObject({
      relevant: true,
      notification: { outcome: 'executed' },
    });
  });

  it('matches a rejection that only names the submission', () => {
    const rejected = notification('service:intake', { requestId: undefined, submissionId: awaited.submissionId, outcome: 'rejected' });
    expect(readNotification(trust, rejected, awaited)).toMatchObject({ relevant: true, notification: { outcome: 'rejected' } });
  });

  it('ignores, with a warning, an "executed" claimed by anyone but intake', () => {
    const forged = readNotification(trust, notification('approver:alice'), awaited);
    expect(forged).toMatchObject({ relevant: false, warning: expect.stringContaining('type_not_allowed') });
    expect(readNotification(trust, '{"not":"an envelope"}', awaited)).toMatchObject({
      relevant: false,
      warning: expect.stringContaining('invalid_envelope'),
    });
  });

  it('silently skips other requests of the same requester', () => {
    expect(readNotification(trust, notification('service:intake', { requestId: randomUUID() }), awaited)).toEqual({ relevant: false });
  });
});

describe('outcomes', () => {
  it('keeps waiting after accepted and approved, and ends on every other outcome', () => {
    const ending = OUTCOMES.filter((outcome) => EXIT_FOR_OUTCOME[outcome] !== undefined);
    expect(ending).toEqual(['rejected', 'denied', 'expired', 'executed', 'failed']);
    expect(EXIT_FOR_OUTCOME.joined).toBeUndefined();
    expect(EXIT_FOR_OUTCOME.executed).toBe(0);
    expect(EXIT_FOR_OUTCOME.expired).toBe(3);
  });

  it('prints the outcome with its field errors', () => {
    const lines = formatNotification({
      requester: 'requester:deploy-bot',
      outcome: 'rejected',
      detail: 'invalid request',
      errors: [{ path: 'action.target', code: 'invalid_format', message: 'lowercase letters' }],
      causationEventId: randomUUID(),
      notifiedAt: '2026-11-21T10:05:00.000Z',
    });
    expect(lines).toEqual(['2026-11-21T10:05:00.000Z  rejected — invalid request', '  action.target: lowercase letters [invalid_format]']);
  });
});

describe('waitForOutcome', () => {
  it("follows the request a submission joined, to that request's final outcome", async () => {
    const pending = randomUUID();
    const heard = [
      notification('service:intake', { outcome: 'joined', submissionId: awaited.submissionId, joinedRequestId: pending }),
      notification('service:intake', { requestId: pending, outcome: 'approved' }),
      notification('service:intake', { requestId: pending, outcome: 'denied' }),
    ];
    // The NATS subscription as the command sees it: the messages heard on the notify subject, in order.
    const subscription = {
      unsubscribe: () => undefined,
      [Symbol.asyncIterator]: async function* () {
        for (const text of heard) yield await Promise.resolve({ data: new TextEncoder().encode(text) } as Msg);
      },
    } as unknown as Subscription;
    const printed: string[] = [];
    const out = new Output({ stdout: (text) => void printed.push(text), stderr: (text) => void printed.push(text) }, false);
    const ctx = { out, trustStore: () => trust } as unknown as CliContext;
    expect(await waitForOutcome(ctx, subscription, awaited, 5_000)).toBe(EXIT_FOR_OUTCOME.denied);
    expect(printed.map((line) => line.trim().split('  ')[1]?.split(' ')[0])).toEqual(['joined', 'approved', 'denied']);
  });
});
