import { randomUUID } from 'node:crypto';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { parseRunAttestation, parseRunAttestationHeader, RUN_ATTESTED_TYPE } from './run-attestation';

const signer = (id: string) => new EnvelopeSigner(id, generateKeyPair('ed25519', id));
const attestation = (id: string, type: string = RUN_ATTESTED_TYPE) =>
  signer(id).sign({ id: randomUUID(), type, subject: randomUUID(), time: '2026-12-06T10:00:00.000Z', data: { runId: 'r-1' } });

describe('the run attestation the gateway carries', () => {
  it('takes an attestation signed in its requester’s name, from a file’s text or a base64url header', () => {
    const run = attestation('requester:deploy-bot');
    expect(parseRunAttestation(JSON.stringify(run), 'deploy-bot')).toEqual({ ok: true, run });
    const header = Buffer.from(JSON.stringify(run)).toString('base64url');
    expect(parseRunAttestationHeader(header, 'deploy-bot')).toEqual({ ok: true, run });
  });

  it('refuses another workload’s run, another event type, and what is not an envelope, with field errors', () => {
    const codes = (text: string) => {
      const parsed = parseRunAttestation(text, 'deploy-bot');
      return parsed.ok ? [] : parsed.error.errors.map((error) => error.code);
    };
    expect(codes(JSON.stringify(attestation('requester:payments-agent')))).toEqual(['run_foreign']);
    expect(codes(JSON.stringify(attestation('requester:deploy-bot', 'countersign.request.submitted.v1')))).toEqual(['run_invalid']);
    expect(codes('{"not":"an envelope"')).toEqual(['invalid_json']);
    expect(codes('x'.repeat(20_000))).toEqual(['too_large']);
    let deep: unknown = 1;
    for (let i = 0; i < 20; i += 1) deep = [deep];
    expect(codes(JSON.stringify({ ...attestation('requester:deploy-bot'), data: deep }))).toEqual(['too_deep']);
    const header = parseRunAttestationHeader('not base64url!', 'deploy-bot');
    expect(header).toMatchObject({ ok: false, error: { error: 'invalid_run_attestation', errors: [{ code: 'invalid_base64url' }] } });
  });
});
