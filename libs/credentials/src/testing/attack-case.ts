import type { TokenRejectionCode } from '../execution-token';
import type { VerifyExecutionTokenOptions } from '../verify';
import { without } from './jwt-forgery';
import type { TokenFixture } from './token-fixture';

/** One forged or tampered token, the verifier options it is presented with, and why it must fail. */
export interface AttackCase {
  name: string;
  code: TokenRejectionCode;
  token: (fx: TokenFixture) => unknown;
  options?: (fx: TokenFixture) => Partial<VerifyExecutionTokenOptions>;
}

export const attack = (name: string, code: TokenRejectionCode, token: AttackCase['token'], options?: AttackCase['options']): AttackCase =>
  options ? { name, code, token, options } : { name, code, token };

/** The token with its header changed and re-signed by the real broker key. */
export const header = (change: Record<string, unknown>) => (fx: TokenFixture) =>
  fx.brokerSigned(without({ ...fx.header, ...change }, ...undefinedKeys(change)), fx.claims);
/** The token with its claims changed and re-signed by the real broker key. */
export const claims = (change: (fx: TokenFixture) => Record<string, unknown>) => (fx: TokenFixture) => {
  const changed = change(fx);
  return fx.brokerSigned(fx.header, without({ ...fx.claims, ...changed }, ...undefinedKeys(changed)));
};
export const missing =
  (...names: string[]) =>
  (fx: TokenFixture) =>
    fx.brokerSigned(fx.header, without(fx.claims, ...names));

function undefinedKeys(change: Record<string, unknown>): string[] {
  return Object.entries(change)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
}
