import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, sha256Hex, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import {
  ADMITTED,
  intakeDecider,
  previewAcceptance,
  requestIdOf,
  strandedBy,
  streamFor,
  submissionStreamFor,
  type IntakeEvent,
  outcomeNotice,
} from '@countersign/intake-domain';
import { acceptAuthenticSubmissions, RUNTIME, verifyRunAttestation, type Cause, type ServiceRuntime } from '@countersign/service-runtime';
import { BudgetGate } from './budget-gate';

/** Default execution window when a submission names none. */
const DEFAULT_WINDOW_SECONDS = 3600;

/** Intake's use cases: the shell around the pure decider, shared by the NATS and HTTP edges. */
@Injectable()
export class IntakeService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly budgets: BudgetGate,
  ) {}

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
      submission: envelope,
      registration: requester && {
        registered: true,
        allowedKinds: requester.allowedKinds,
        allowedEnvironments: requester.allowedEnvironments,
        ...(requester.workload ? { workload: requester.workload } : {}),
      },
      // Verified here, with every other signature; judged (expiry, signer, scope) by the decider.
      run: verifyRunAttestation(this.runtime.trust, envelope.data, now),
      targets: this.runtime.registry.targets,
      now: now.toISOString(),
      defaultWindowSeconds: DEFAULT_WINDOW_SECONDS,
    };
    const cause = { id: envelope.id, now };
    return this.budgets.serialized(envelope.signer, async () => {
      // Only a submission that would be accepted claims a budget (previewAcceptance says which).
      const preview = previewAcceptance(command, await this.runtime.runner.load(intakeDecider, stream));
      const admission = preview ? await this.budgets.claim(command, preview, cause) : ADMITTED;
      const events = await this.runtime.runner.run(intakeDecider, stream, { ...command, admission }, cause);
      // A race on the request id (another requester's submission took it in between) rejected what
      // the preview accepted: the slot it claimed is freed at once.
      if (preview && admission.verdict === 'admitted' && !events.some((event) => event.type === EventTypes.RequestAccepted)) {
        await this.budgets.releaseNow(
          envelope.signer,
          preview.requestId,
          cause,
          envelope.id,
          command.run?.ok ? command.run.attestation.runId : undefined,
        );
      }
      return events;
    });
  }

  /** Another service's event on a request: the requester is told once (outcomeNotice says what). */
  async notifyOutcome(cause: Envelope): Promise<void> {
    const notice = outcomeNotice(cause);
    if (!notice) return;
    const now = this.runtime.clock();
    const command = { type: 'NotifyOutcome' as const, ...notice, causationEventId: cause.id, now: now.toISOString() };
    await this.runtime.runner.run(intakeDecider, streamFor(notice.requestId), command, { id: cause.id, now });
    await this.releaseBudget(notice.requestId, notice.outcome, { id: cause.id, now });
  }

  /** A request intake accepted frees its requester's pending budget once approvers are done with it. */
  private async releaseBudget(requestId: string, outcome: string, cause: Cause): Promise<void> {
    const state = await this.runtime.runner.load(intakeDecider, streamFor(requestId));
    if (state.status === 'accepted')
      await this.budgets.release(state.request.requester, requestId, outcome, cause, { runId: state.request.runId });
  }

  /** A dead letter that strands a submission or an accepted request ends it visibly (see strandedBy). */
  async deadLettered(event: Envelope<MessageDeadLetteredV1>): Promise<void> {
    const { code, message } = event.data;
    const stranded = strandedBy(code, this.authenticPayload(event.data));
    if (!stranded) return;
    const now = this.runtime.clock();
    const cause = { id: event.id, now };
    if (stranded.kind === 'submission') {
      const requestId = requestIdOf(stranded.payload);
      const stream = requestId ? streamFor(requestId) : submissionStreamFor(stranded.submissionId);
      const command = { type: 'RejectUnprocessable' as const, ...stranded, code, message, now: now.toISOString() };
      const rejected = await this.runtime.runner.run(intakeDecider, stream, command, cause);
      // It may have claimed a budget before intake gave up on it: that slot is freed, and only that one.
      if (requestId && rejected.length > 0)
        await this.budgets.release(stranded.requester, requestId, 'rejected', cause, {
          submissionId: stranded.submissionId,
          runId: runIdOf(stranded.payload),
        });
      return;
    }
    const detail = `in doubt, needs a human: ${event.signer} could not process ${stranded.eventType} (${code})`;
    const command = {
      type: 'FailStranded' as const,
      requestId: stranded.requestId,
      causationEventId: event.id,
      detail,
      now: now.toISOString(),
    };
    await this.runtime.runner.run(intakeDecider, streamFor(stranded.requestId), command, cause);
    await this.releaseBudget(stranded.requestId, 'failed', cause);
  }

  /**
   * The dead-lettered envelope as intake itself verifies it (an authentic submission counts even
   * when its payload is invalid); undefined when it is forged, unreadable, or was cut short.
   */
  private authenticPayload(letter: MessageDeadLetteredV1): Envelope | undefined {
    const bytes = Buffer.from(letter.payloadBase64, 'base64');
    if (sha256Hex(bytes) !== letter.payloadSha256) return undefined;
    const verification = acceptAuthenticSubmissions(this.runtime)(bytes);
    return verification.ok ? verification.envelope : undefined;
  }
}

/** The run id a submission's payload names, if any: only to give back a run's budget slot, never to trust it. */
function runIdOf(payload: unknown): string | undefined {
  const runId = (payload as { run?: { data?: { runId?: unknown } } } | null)?.run?.data?.runId;
  return typeof runId === 'string' ? runId : undefined;
}
