/** Test-only exports: the JWT attack corpus every verifier must reject, and the tools that forge its tokens. */
export { ATTACK_CASES, type AttackCase } from './jwt-attack-corpus';
export { claimAttacks } from './claim-attacks';
export { headerAttacks } from './header-attacks';
export { tokenAttacks } from './token-attacks';
export { claimsWith, createTokenFixture, type TokenFixture } from './token-fixture';
export { forge, signWith, type Segment, type Signer } from './jwt-forgery';
