import { startStack, type Stack } from '@countersign/stack';
import { claimAttacks, headerAttacks, tokenAttacks, type AttackCase, type TokenFixture } from '@countersign/credentials/testing';
import { effectsAt } from '@countersign/e2e';
import { recordAttack } from './report';
import { executorOpens, liveTokenFixture } from './support/jwt';
import { stackLog } from './support/parties';
import { presentToken } from './support/target';

jest.setTimeout(120_000);

const SUITE = 'jwt-corpus';
/**
 * Cases that change the verifier's own audience are about a verifier configured for another
 * service; the executor and the target are always configured for service:executor, and the
 * equivalent token-side attack (aud of another service) is in the corpus as its own case.
 */
const expressible = (attack: AttackCase, fx: TokenFixture) => attack.options?.(fx).audience === undefined;
const GROUPS: Array<[string, readonly AttackCase[]]> = [
  ['header (alg none, HS256 with the public key, kid, jwk/jku/x5u, typ)', headerAttacks],
  ['claims (iss, aud, sub, exp, nbf, iat, ttl, scope, another request)', claimAttacks],
  ['signature and serialisation', tokenAttacks],
];

interface Outcome {
  group: string;
  name: string;
  code: string;
  target: { status: number; error?: string };
  executor: { opened: boolean; error?: string };
}

describe('the JWT attack corpus against the live demo target and the executor’s credential check', () => {
  let stack: Stack;
  let fx: TokenFixture;
  const outcomes: Outcome[] = [];
  let control: { target: number; executor: boolean };

  beforeAll(async () => {
    stack = await startStack({ services: [], log: stackLog });
    fx = await liveTokenFixture(stack);
    const binding = { requestId: fx.claims.cs_req, digest: fx.claims.cs_dig };
    for (const [group, cases] of GROUPS) {
      for (const attack of cases.filter((candidate) => expressible(candidate, fx))) {
        const token = attack.token(fx);
        outcomes.push({
          group,
          name: attack.name,
          code: attack.code,
          target: await presentToken(stack, typeof token === 'string' ? token : String(token), binding),
          executor: await executorOpens(stack, fx, token),
        });
      }
    }
    // The untouched token must pass the executor's check, or every refusal above proves nothing.
    control = { target: 0, executor: (await executorOpens(stack, fx, fx.validToken)).opened };
    const effects = (await effectsAt(stack)).length;
    for (const [group] of GROUPS) {
      const ofGroup = outcomes.filter((outcome) => outcome.group === group);
      const row = { suite: SUITE, tried: ofGroup.length, auditable: 0, audited: 0 };
      recordAttack({
        ...row,
        attack: `jwt → demo target: ${group}`,
        layer: 'target',
        rejected: ofGroup.filter((o) => o.target.status === 401).length,
        executions: group === GROUPS[0]![0] ? effects : 0,
      });
      recordAttack({
        ...row,
        attack: `jwt → executor: ${group}`,
        layer: 'credential',
        rejected: ofGroup.filter((o) => !o.executor.opened).length,
        executions: 0,
      });
    }
  });

  afterAll(async () => {
    await stack?.shutdown();
  });

  it('has at least 60 cases for each of the two verifiers', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(60);
  });

  it('the genuine token opens at the executor (the corpus is rejected for its flaw, not for the key)', () => {
    expect(control.executor).toBe(true);
  });

  it('the demo target answers every case 401 and records no effect', async () => {
    const accepted = outcomes.filter((outcome) => outcome.target.status !== 401);
    expect(accepted.map((outcome) => `${outcome.name}: ${outcome.target.status} ${outcome.target.error ?? ''}`)).toEqual([]);
    expect(await effectsAt(stack)).toEqual([]);
  });

  it('the target reached the claim checks: its answers carry the corpus codes, so the real broker key verified', () => {
    const claimCases = outcomes.filter((outcome) => outcome.group === GROUPS[1]![0]);
    const differing = claimCases.filter((outcome) => outcome.target.error !== outcome.code);
    expect(differing.map((outcome) => `${outcome.name}: ${outcome.target.error ?? '-'} (corpus: ${outcome.code})`)).toEqual([]);
  });

  it('the executor refuses every case', () => {
    const opened = outcomes.filter((outcome) => outcome.executor.opened);
    expect(opened.map((outcome) => outcome.name)).toEqual([]);
  });
});
