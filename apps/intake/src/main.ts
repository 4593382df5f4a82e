import { EventTypes } from '@countersign/contracts';
import { bootstrapService, type ServiceRuntime } from '@countersign/service-runtime';
import type { Verification } from '@countersign/identity';
import { IntakeModule } from './intake.module';

/**
 * A submission whose signature holds but whose payload is invalid is still authentic: intake
 * must answer it with a structured rejection rather than dead-letter it silently.
 */
const verifySubmissions = (runtime: ServiceRuntime) => (bytes: Uint8Array): Verification => {
  const verification = runtime.trust.verifyBytes(bytes);
  if (!verification.ok && verification.authentic?.type === EventTypes.RequestSubmitted) {
    return { ok: true, envelope: verification.authentic as never, type: EventTypes.RequestSubmitted };
  }
  return verification;
};

void bootstrapService({ service: 'intake', module: (runtime) => IntakeModule.register(runtime), http: true, verify: verifySubmissions });
