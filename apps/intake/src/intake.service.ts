import { Inject, Injectable } from '@nestjs/common';
import type { Envelope } from '@countersign/contracts';
import {
  intakeDecider,
  requestIdOf,
  streamFor,
  submissionStreamFor,
  type IntakeEvent,
  type LaterOutcome,
} from '@countersign/intake-domain';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

/** Default execution window when a submission names none. */
const DEFAULT_WINDOW_SECONDS = 3600;

/** Intake's use cases: the shell around the pure decider, shared by the NATS and HTTP edges. */
@Injectable()
export class IntakeService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  /**
   * Decides on a submission whose signature has been verified. `subjectRequester` is the name the
   * bus subject proves (over HTTP, the signer's own name: there the signature alone proves it).
   */
  async submit(envelope: Envelope, subjectRequester: string): Promise<IntakeEvent[]> {
    const now = this.runtime.clock();
    const requestId = requestIdOf(envelope.data);
    const stream = requestId ? streamFor(requestId) : submissionStreamFor(envelope.id);
    const requester = this.runtime.registry.requesters.find((candidate) => `requester:${candidate.name}` === envelope.signer);
    const command = {
      type: 'HandleSubmission' as const,
      submissionId: envelope.id,
      requester: envelope.signer,
      subjectRequester,
      payload: envelope.data,
      registration: requester && {
        registered: true,
        allowedKinds: requester.allowedKinds,
        allowedEnvironments: requester.allowedEnvironments,
      },
      targets: this.runtime.registry.targets,
      now: now.toISOString(),
      defaultWindowSeconds: DEFAULT_WINDOW_SECONDS,
    };
    return this.runtime.runner.run(intakeDecider, stream, command, { id: envelope.id, now });
  }

  async notify(requestId: string, outcome: LaterOutcome, cause: Envelope, detail?: string): Promise<void> {
    const now = this.runtime.clock();
    const command = {
      type: 'NotifyOutcome' as const,
      requestId,
      outcome,
      causationEventId: cause.id,
      now: now.toISOString(),
      ...(detail ? { detail } : {}),
    };
    await this.runtime.runner.run(intakeDecider, streamFor(requestId), command, { id: cause.id, now });
  }
}
