import type { INestApplicationContext } from '@nestjs/common';
import type { Envelope } from '@countersign/contracts';
import { OUTCOME_EVENT_TYPES } from '@countersign/intake-domain';
import { IntakeService } from './intake.service';

/** Tells requesters how their accepted requests ended, one handler per type outcomeNotice knows. */
export function outcomeHandlers(app: INestApplicationContext) {
  const intake = app.get(IntakeService);
  return OUTCOME_EVENT_TYPES.map((pattern) => ({ pattern, handler: (event: Envelope) => intake.notifyOutcome(event) }));
}
