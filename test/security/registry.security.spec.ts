import { verifyChain } from '@countersign/audit-chain';
import {
  EventTypes,
  type ActionRequest,
  type ApprovalRequestedV1,
  type AuditRecordV1,
  type Envelope,
  type RequestRejectedV1,
} from '@countersign/contracts';
import { effectsAt, eventually, type RequesterClient, outcomeOf, startScenario, type Scenario } from '@countersign/e2e';
import { recordAttack, tallyOf, codeCounts } from './report';
import { attackEffects } from './support/evidence';

jest.setTimeout(240_000);

const SUITE = 'registry';

/**
 * The requester asks; the target registry (deploy/targets.json) says what the target is. Each
 * attack below is a requester trying to choose its own risk tier: by calling a production target
 * staging, restricted data internal, paying in a currency no threshold names, or acting on a
 * target it is not allowed on. Every one is tried on the real stack through the requester's own
 * subject, signed with its own key: the bus and the signatures let it through, the rule must not.
 */
interface Attempt {
  row: string;
  who: 'deployBot' | 'paymentsAgent';
  action: ActionRequest;
  /** The field errors intake must answer with, as `path code`; undefined when it must accept and route. */
  codes?: string[];
  requestId?: string;
}

const http = (target: string, extra: Partial<ActionRequest> = {}): ActionRequest => ({
  kind: 'http.request',
  target,
  parameters: { method: 'POST', path: '/deploy', body: { version: '6.6.6' } },
  ...extra,
});
const pay = (target: string, value: string, currency: string): ActionRequest => ({
  kind: 'payment.transfer',
  target,
  parameters: { payee: 'Mallory Ltd', invoice: 'INV-666' },
  amount: { value, currency },
});

const MISLABELLED_ENVIRONMENT = 'mislabelled environment (production target called staging/dev)';
const MISLABELLED_SENSITIVITY = 'mislabelled sensitivity (data called less sensitive than registered)';
const NOT_ALLOWED = 'requester not allowed on target';
const UNKNOWN_TARGET = 'target the registry does not list';
const UNKNOWN_CURRENCY = 'unknown currency (amount no threshold names)';

const ATTEMPTS: Attempt[] = [
  {
    row: MISLABELLED_ENVIRONMENT,
    who: 'deployBot',
    action: http('demo-target', { environment: 'staging' }),
    codes: ['action.environment environment_mismatch'],
  },
  {
    row: MISLABELLED_ENVIRONMENT,
    who: 'deployBot',
    action: http('demo-target', { environment: 'dev' }),
    codes: ['action.environment environment_mismatch'],
  },
  {
    row: MISLABELLED_ENVIRONMENT,
    who: 'paymentsAgent',
    action: http('billing-api', { environment: 'staging' }),
    codes: ['action.environment environment_mismatch'],
  },
  {
    row: MISLABELLED_ENVIRONMENT,
    who: 'deployBot',
    action: http('customer-db', { environment: 'staging', dataSensitivity: 'internal' }),
    codes: ['action.environment environment_mismatch', 'action.dataSensitivity sensitivity_mismatch'],
  },
  {
    row: MISLABELLED_SENSITIVITY,
    who: 'deployBot',
    action: http('demo-target', { dataSensitivity: 'internal' }),
    codes: ['action.dataSensitivity sensitivity_mismatch'],
  },
  {
    row: MISLABELLED_SENSITIVITY,
    who: 'deployBot',
    action: http('customer-db', { dataSensitivity: 'confidential' }),
    codes: ['action.dataSensitivity sensitivity_mismatch'],
  },
  {
    row: MISLABELLED_SENSITIVITY,
    who: 'deployBot',
    action: http('demo-staging', { dataSensitivity: 'public' }),
    codes: ['action.dataSensitivity sensitivity_mismatch'],
  },
  { row: NOT_ALLOWED, who: 'paymentsAgent', action: http('customer-db'), codes: ['action.target requester_not_allowed_on_target'] },
  {
    row: NOT_ALLOWED,
    who: 'paymentsAgent',
    action: http('sandbox', { environment: 'dev' }),
    codes: ['action.target requester_not_allowed_on_target'],
  },
  {
    row: NOT_ALLOWED,
    who: 'deployBot',
    action: pay('vendor-bank', '50.00', 'EUR'),
    codes: ['action.target requester_not_allowed_on_target', 'action.kind kind_not_allowed'],
  },
  {
    row: UNKNOWN_TARGET,
    who: 'deployBot',
    action: http('shadow-api', { environment: 'staging' }),
    codes: ['action.target unknown_target'],
  },
  // Would be auto-approved by low-risk if the amount were ignored: staging, internal, http.request.
  { row: UNKNOWN_CURRENCY, who: 'deployBot', action: http('demo-staging', { amount: { value: '5', currency: 'XAU' } }) },
  { row: UNKNOWN_CURRENCY, who: 'paymentsAgent', action: pay('demo-target', '50.00', 'SEK') },
  { row: UNKNOWN_CURRENCY, who: 'paymentsAgent', action: pay('demo-target', '99999999', 'CNY') },
];

describe('the target registry decides what a target is; the requester cannot choose its own tier', () => {
  let s: Scenario;
  let control: string;
  const requester = (attempt: Attempt): RequesterClient => s[attempt.who];
  const auditTypes = (requestId: string) => s.audit.eventsFor(requestId).map((event) => event.type);
  const rejectedOnAudit = (requestId: string) =>
    s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.RequestRejected) as Envelope<RequestRejectedV1> | undefined;
  const requestedOnAudit = (requestId: string) =>
    s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.ApprovalRequested) as Envelope<ApprovalRequestedV1> | undefined;
  const heardCodes = (attempt: Attempt) =>
    requester(attempt)
      .notificationsFor(attempt.requestId!)
      .flatMap((notice) => notice.data.errors ?? [])
      .map((error) => `${error.path} ${error.code}`);

  beforeAll(async () => {
    s = await startScenario();
    // A legitimate staging request first: the stack works and the registry's staging target runs.
    control = (await s.deployBot.submit(http('demo-staging', { environment: 'staging' }), 'legitimate control')).requestId;
    await outcomeOf(s.deployBot, control, 'executed', 60_000);
    for (const attempt of ATTEMPTS) attempt.requestId = (await requester(attempt).submit(attempt.action, attempt.row)).requestId;
    await eventually(() => {
      for (const attempt of ATTEMPTS) {
        const done = attempt.codes ? rejectedOnAudit(attempt.requestId!) : requestedOnAudit(attempt.requestId!);
        if (!done) throw new Error(`${attempt.row}: ${attempt.requestId} not settled on the audit stream yet`);
      }
    }, 90_000);
    // Give a wrongly auto-approved request time to run before counting effects.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await recordAll();
  });

  afterAll(async () => {
    await s?.close();
  });

  const chainIncludes = (requestId: string, type: string) => {
    const records: AuditRecordV1[] = s.audit.records;
    const verified = verifyChain(records);
    return verified.ok && records.some((record) => record.requestId === requestId && (record.event as { type?: string }).type === type);
  };
  const neverAccepted = (attempt: Attempt) =>
    !auditTypes(attempt.requestId!).some((type) => type === EventTypes.RequestAccepted || type === EventTypes.ApprovalRequested);
  const neverApproved = (attempt: Attempt) =>
    !auditTypes(attempt.requestId!).some((type) => type === EventTypes.RequestApproved || type === EventTypes.CredentialIssued);
  const routedToStrictest = (attempt: Attempt) => {
    const requested = requestedOnAudit(attempt.requestId!)?.data;
    return requested?.policy.tier === 'payments-critical' && requested.stepUp === true && requested.quorum === 2;
  };

  async function recordAll(): Promise<void> {
    const caused = await attackEffects(s.stack, new Set([control]));
    const rows = [...new Set(ATTEMPTS.map((attempt) => attempt.row))];
    rows.forEach((row, index) => {
      const list = ATTEMPTS.filter((attempt) => attempt.row === row);
      const routed = list[0]!.codes === undefined;
      const tally = tallyOf({ suite: SUITE, attack: row, layer: 'domain' }, list, {
        rejected: (attempt) =>
          routed
            ? routedToStrictest(attempt) && neverApproved(attempt)
            : JSON.stringify(heardCodes(attempt)) === JSON.stringify(attempt.codes) && neverAccepted(attempt),
        auditable: () => true,
        audited: (attempt) => chainIncludes(attempt.requestId!, routed ? EventTypes.ApprovalRequested : EventTypes.RequestRejected),
      });
      const notes = routed
        ? ['routed to payments-critical (strictest tier, step-up), never auto; nobody approved']
        : [codeCounts(list.flatMap((attempt) => heardCodes(attempt).map((code) => code.split(' ')[1]!)))];
      recordAttack({ ...tally, executions: index === 0 ? caused : 0, notes });
    });
  }

  it('rejects every mislabel, unknown target and disallowed requester, naming the field, and tells the requester', () => {
    const wrong = ATTEMPTS.filter((attempt) => attempt.codes).flatMap((attempt) => {
      const heard = heardCodes(attempt);
      return JSON.stringify(heard) === JSON.stringify(attempt.codes)
        ? []
        : [`${attempt.row} ${attempt.action.target}: heard [${heard.join(', ')}]`];
    });
    expect(wrong).toEqual([]);
  });

  it('accepts none of them: no acceptance, no approval request, no credential', () => {
    const accepted = ATTEMPTS.filter((attempt) => attempt.codes && !neverAccepted(attempt)).map((attempt) => attempt.requestId);
    expect(accepted).toEqual([]);
  });

  it("records each rejection in audit's hash chain, with the same field errors the requester heard", () => {
    const missing = ATTEMPTS.filter((attempt) => attempt.codes).flatMap((attempt) => {
      const onAudit = rejectedOnAudit(attempt.requestId!)?.data.errors.map((error) => `${error.path} ${error.code}`);
      const chained = chainIncludes(attempt.requestId!, EventTypes.RequestRejected);
      return chained && JSON.stringify(onAudit) === JSON.stringify(attempt.codes) ? [] : [attempt.requestId];
    });
    expect(missing).toEqual([]);
    expect(verifyChain(s.audit.records)).toMatchObject({ ok: true });
  });

  it('sends an amount in a currency no threshold names to the strictest tier, stamped why, and never auto-approves it', () => {
    for (const attempt of ATTEMPTS.filter((candidate) => !candidate.codes)) {
      const requested = requestedOnAudit(attempt.requestId!)!.data;
      expect(requested).toMatchObject({ quorum: 2, stepUp: true, eligibleGroups: ['finance'], policy: { tier: 'payments-critical' } });
      expect(requested.policy.rules).toContain(`amount:currency-not-in-policy=${attempt.action.amount!.currency}`);
      expect(neverApproved(attempt)).toBe(true);
    }
  });

  it('digests what the registry says: the control request carries the registry facts', () => {
    const accepted = s.audit.eventsFor(control).find((event) => event.type === EventTypes.RequestAccepted) as
      Envelope<{ action: Record<string, unknown> }> | undefined;
    expect(accepted?.data.action).toMatchObject({
      target: 'demo-staging',
      environment: 'staging',
      dataSensitivity: 'internal',
      ownerTeam: 'platform',
      targetAddress: s.stack.demoTargetUrl,
    });
  });

  it('caused no execution at the demo target', async () => {
    expect(await attackEffects(s.stack, new Set([control]))).toBe(0);
    expect(await effectsAt(s.stack, control)).toHaveLength(1);
  });
});
