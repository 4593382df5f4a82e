import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequesterNotifiedV1 } from '@countersign/contracts';
import { renderAction, renderingDigest } from '@countersign/contracts';
import { FIXTURE_RENDERING_DIGEST, fixtureAction } from '@countersign/contracts/testing';
import { finalOutcome, progressSteps } from '@countersign/mcp-gateway-domain';
import { OutcomeStore } from './outcome-store';

describe('the gateway’s outcome store (a real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-outcomes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const notice = (fields: Partial<RequesterNotifiedV1>): RequesterNotifiedV1 => ({
    requester: 'requester:deploy-bot',
    outcome: 'accepted',
    causationEventId: randomUUID(),
    notifiedAt: '2026-12-06T10:00:00.000Z',
    ...fields,
  });

  it('keeps calls and notices across processes, once per event, in the order intake sent them', () => {
    const file = join(dir, 'gateway.sqlite');
    const first = OutcomeStore.open(file);
    const requestId = randomUUID();
    const submissionId = randomUUID();
    first.recordCall({ requestId, submissionId, tool: 'http_request__demo-staging', submittedAt: '2026-12-06T10:00:00.000Z' });
    const accepted = randomUUID();
    first.recordNotice(accepted, notice({ requestId, submissionId }));
    first.recordNotice(accepted, notice({ requestId, submissionId }));
    // A second process of the same requester writes the next notice into the same file.
    const second = OutcomeStore.open(file);
    second.recordNotice(
      randomUUID(),
      notice({ requestId, outcome: 'approved', detail: 'approved under e2e/low-risk', notifiedAt: '2026-12-06T10:00:01.000Z' }),
    );
    expect(first.noticesFor(requestId, submissionId).map((row) => row.outcome)).toEqual(['accepted', 'approved']);
    expect(second.call(requestId)).toMatchObject({ submissionId, tool: 'http_request__demo-staging' });
    first.close();
    second.close();
  });

  it('finds a rejection that names only the submission', () => {
    const store = OutcomeStore.open(join(dir, 'rejections.sqlite'));
    const requestId = randomUUID();
    const submissionId = randomUUID();
    const errors = [{ path: 'action.target', code: 'unknown_target', message: 'nope' }];
    store.recordNotice(randomUUID(), notice({ submissionId, outcome: 'rejected', errors }));
    expect(store.noticesFor(requestId, submissionId)).toEqual([{ outcome: 'rejected', errors, notifiedAt: '2026-12-06T10:00:00.000Z' }]);
    store.close();
  });

  it('follows the identical pending request a call joined, to that request’s outcome', () => {
    const store = OutcomeStore.open(join(dir, 'joins.sqlite'));
    const [original, joining] = [randomUUID(), randomUUID()];
    store.recordNotice(randomUUID(), notice({ requestId: original }));
    store.recordNotice(randomUUID(), notice({ requestId: joining, outcome: 'joined', joinedRequestId: original }));
    store.recordNotice(randomUUID(), notice({ requestId: original, outcome: 'denied', notifiedAt: '2026-12-06T10:00:05.000Z' }));
    expect(store.noticesFor(joining).map((row) => [row.outcome, row.joinedRequestId])).toEqual([
      ['joined', original],
      ['denied', undefined],
    ]);
    expect(finalOutcome(joining, store.noticesFor(joining))).toMatchObject({ isError: true, structured: { status: 'denied' } });
    store.close();
  });

  it('gives the agent the very text approvers are shown, from the action intake accepted', () => {
    const store = OutcomeStore.open(join(dir, 'renderings.sqlite'));
    const requestId = randomUUID();
    store.recordNotice(randomUUID(), notice({ requestId, action: fixtureAction }));
    const [accepted] = store.noticesFor(requestId);
    expect(accepted?.rendering).toBe(renderAction(fixtureAction));
    expect(renderingDigest(accepted!.rendering!)).toBe(FIXTURE_RENDERING_DIGEST);
    expect(progressSteps(requestId, accepted!)[0]?.message).toContain(renderAction(fixtureAction));
    store.close();
  });
});
