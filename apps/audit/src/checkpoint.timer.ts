import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { AuditService } from './audit.service';

/**
 * The clock behind "every T seconds": asks the decider every timer period (COUNTERSIGN_TIMER_MS) whether a checkpoint is due.
 * The decider holds the rule and the time it was last signed, so a restart changes nothing.
 */
@Injectable()
export class CheckpointTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly logger = new Logger(CheckpointTimer.name);

  constructor(
    private readonly audit: AuditService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.runtime.config.timerMs);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.audit.checkpointIfDue();
    } catch (error) {
      // The next tick tries again; a checkpoint is never lost, only later.
      this.logger.warn(`checkpoint failed: ${String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
