import { z } from 'zod';
import type { CheckpointPolicy } from '@countersign/audit-domain';
import { parseEnvironment } from '@countersign/service-runtime';

const Env = z.object({
  /** Sign a checkpoint after this many new records… */
  COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /** …or this many seconds after the last one, when records came since. */
  COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
});

/** Read once at start-up; a bad value stops audit with the variable's name (fail closed, not a silent default). */
export function loadCheckpointPolicy(env: NodeJS.ProcessEnv = process.env): CheckpointPolicy {
  const vars = parseEnvironment(Env, env, 'audit');
  return { everyRecords: vars.COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS, everySeconds: vars.COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS };
}
