import { z } from 'zod';
import type { CheckpointPolicy } from '@countersign/audit-domain';

const Env = z.object({
  /** Sign a checkpoint after this many new records… */
  COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /** …or this many seconds after the last one, when records came since. */
  COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
});

/** Read once at start-up; a bad value stops audit with the variable's name (fail closed, not a silent default). */
export function loadCheckpointPolicy(env: NodeJS.ProcessEnv = process.env): CheckpointPolicy {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid environment for audit: ${problems}`);
  }
  return { everyRecords: parsed.data.COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS, everySeconds: parsed.data.COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS };
}
