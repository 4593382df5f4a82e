import { claimAttacks } from './claim-attacks';
import { headerAttacks } from './header-attacks';
import { tokenAttacks } from './token-attacks';

export type { AttackCase } from './attack-case';

/** The JWT attack corpus (reliability anchors §4.4, target S6): every case must be rejected. */
export const ATTACK_CASES = [...headerAttacks, ...claimAttacks, ...tokenAttacks];
