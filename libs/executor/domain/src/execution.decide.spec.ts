import { EventTypes, deterministicId } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { checkChain } from './chain-check';
import { CLAIM_ID, CREDENTIAL_ID, DIGEST, NOW, REQUEST_ID, evidence, input } from './testing/chain.fixtures';
import type { ClaimExecution } from './execution.commands';
import { executionDecider } from './execution.decide';
import type { ExecutionEvent, ExecutionStarted } from './execution.events';

const spec = DeciderSpecification(executionDecider);
const LATER = '2026-11-21T10:00:07.000Z';

const claim = (overrides: Partial<ClaimExecution> = {}): ClaimExecution => ({
  type: 'ClaimExecution',
  requestId: REQUEST_ID,
  claimId: CLAIM_ID,
  now: NOW,
  check: checkChain(evidence(), input()),
  ...overrides,
});

const started: ExecutionStarted = {
  type: EventTypes.ExecutionStarted,
  id: deterministicId(CLAIM_ID, 'execution.started'),
  data: { requestId: REQUEST_ID, digest: DIGEST, credentialId: CREDENTIAL_ID, startedAt: NOW },
};

const succeeded: ExecutionEvent = {
  type: EventTypes.ExecutionSucceeded,
  id: deterministicId(started.id, 'execution.succeeded'),
  data: {
    requestId: REQUEST_ID,
    digest: DIGEST,
    credentialId: CREDENTIAL_ID,
    result: { status: 204, summary: 'migrated' },
    finishedAt: LATER,
  },
};

const inDoubt: ExecutionEvent = {
  type: EventTypes.ExecutionInDoubt,
  id: deterministicId(started.id, 'execution.indoubt'),
  data: {
    requestId: REQUEST_ID,
    digest: DIGEST,
    credentialId: CREDENTIAL_ID,
    reason: `claimed at ${NOW} but no result was recorded; the action may have run and will not be re-run`,
    detectedAt: LATER,
  },
};

const refused: ExecutionEvent = {
  type: EventTypes.ExecutionRefused,
  id: deterministicId(CLAIM_ID, 'execution.refused'),
  data: {
    requestId: REQUEST_ID,
    code: 'window_closed',
    message: "2026-11-21T10:15:00.000Z is outside the credential's nbf..exp",
    refusedAt: NOW,
  },
};

const succeed = {
  type: 'RecordOutcome',
  requestId: REQUEST_ID,
  outcome: { ok: true, status: 204, summary: 'migrated' },
  now: LATER,
} as const;
const reconcile = { type: 'ReconcileInDoubt', requestId: REQUEST_ID, now: LATER } as const;

describe('execution decider', () => {
  describe('when unclaimed', () => {
    it('claims a verified chain', () => {
      spec.given([]).when(claim()).then([started]);
    });

    it('refuses, as an event, a chain that failed the check', () => {
      const check = checkChain(evidence(), input({ now: '2026-11-21T10:15:00.000Z' }));
      spec.given([]).when(claim({ check })).then([refused]);
    });

    it('keeps a refusal message inside the contract limit', () => {
      const check = { ok: false, code: 'credential_invalid', message: 'x'.repeat(900) } as const;
      spec
        .given([])
        .when(claim({ check }))
        .then([{ ...refused, data: { ...refused.data, code: 'credential_invalid', message: 'x'.repeat(500) } }]);
    });

    it('throws when the check was made for another request (a shell bug)', () => {
      spec
        .given([])
        .when(claim({ requestId: 'e0e0e0e0-0000-4000-8000-000000000000' }))
        .thenThrows(/this is a bug/);
    });

    it('records no outcome and no doubt without a claim', () => {
      spec.given([]).when(succeed).thenNothingHappened();
      spec.given([]).when(reconcile).thenNothingHappened();
    });
  });

  describe('when claimed', () => {
    it('never starts twice, whoever asks (no already_claimed event: the loser writes nothing)', () => {
      spec
        .given([started])
        .when(claim({ claimId: 'f1f1f1f1-0000-4000-8000-000000000000' }))
        .thenNothingHappened();
    });

    it('records success', () => {
      spec.given([started]).when(succeed).then([succeeded]);
    });

    it('records failure, clipped to the contract limits', () => {
      spec
        .given([started])
        .when({
          type: 'RecordOutcome',
          requestId: REQUEST_ID,
          outcome: { ok: false, code: 'upstream_5xx'.padEnd(80, '!'), message: 'boom' },
          now: LATER,
        })
        .then([
          {
            type: EventTypes.ExecutionFailed,
            id: deterministicId(started.id, 'execution.failed'),
            data: {
              requestId: REQUEST_ID,
              digest: DIGEST,
              credentialId: CREDENTIAL_ID,
              error: { code: 'upstream_5xx'.padEnd(64, '!'), message: 'boom' },
              finishedAt: LATER,
            },
          },
        ]);
    });

    it('reports a claim left without a result as in doubt', () => {
      spec.given([started]).when(reconcile).then([inDoubt]);
    });
  });

  describe('when settled', () => {
    it('records no second outcome', () => {
      spec.given([started, succeeded]).when(succeed).thenNothingHappened();
    });

    it('is never in doubt after a result', () => {
      spec.given([started, succeeded]).when(reconcile).thenNothingHappened();
    });

    it('ignores a late result once in doubt: a human reconciles', () => {
      spec.given([started, inDoubt]).when(succeed).thenNothingHappened();
      spec.given([started, inDoubt]).when(reconcile).thenNothingHappened();
    });

    it('never claims again', () => {
      spec.given([started, succeeded]).when(claim()).thenNothingHappened();
    });
  });

  describe('when refused', () => {
    it('stays refused', () => {
      spec.given([refused]).when(claim()).thenNothingHappened();
      spec.given([refused]).when(succeed).thenNothingHappened();
      spec.given([refused]).when(reconcile).thenNothingHappened();
    });
  });
});
