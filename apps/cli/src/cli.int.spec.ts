import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, Streams, Subjects, type Envelope, type Outcome } from '@countersign/contracts';
import { loadTrustStore } from '@countersign/identity';
import { eventually, jsonLines, startCliHarness, type CliHarness } from './testing/cli-harness';
import { chainRecords, executedRequestStory, toJsonLines, wrapRecord } from './testing/story';

jest.setTimeout(60_000);

const submitArgs = [
  '--kind',
  'http.request',
  '--target',
  'billing-api',
  '--env',
  'staging',
  '--param',
  'path=/v1/deploy',
  '--reason',
  'release 4.2',
];

describe('countersign CLI against a real nats-server', () => {
  let harness: CliHarness;
  let workDir: string;

  beforeAll(async () => {
    harness = await startCliHarness();
    workDir = mkdtempSync(join(tmpdir(), 'countersign-cli-files-'));
  });

  afterAll(async () => {
    await harness.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const storedMessage = async (stream: string, seq: number) => {
    const jsm = await (await harness.connectAs('provisioner')).jetstreamManager();
    return jsm.streams.getMessage(stream, { seq });
  };

  describe('submit', () => {
    it("carries a workload's run attestation from `run attest --out` into the signed submission (--run)", async () => {
      const runFile = join(workDir, 'run.json');
      const attested = await harness.cli([
        'run',
        'attest',
        '--as',
        'deploy-bot',
        '--scope',
        'deploy-staging',
        '--on-behalf-of',
        'approver:alice',
        '--ttl',
        '30m',
        '--out',
        runFile,
      ]);
      expect(attested).toMatchObject({ code: 0, stderr: '' });
      const result = await harness.cli(['submit', '--as', 'deploy-bot', ...submitArgs, '--run', runFile, '--json']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const stored = await storedMessage(Streams.submissions.name, jsonLines(result.stdout)[0]!.sequence as number);
      const trust = loadTrustStore(harness.home);
      const submission = trust.verifyBytes(stored.data);
      const run = submission.ok ? (submission.envelope.data as { run?: unknown }).run : undefined;
      expect(run).toEqual(JSON.parse(readFileSync(runFile, 'utf8')));
      expect(trust.verify(run)).toMatchObject({
        ok: true,
        type: EventTypes.RunAttested,
        envelope: { signer: 'requester:deploy-bot', data: { taskScope: 'deploy-staging', onBehalfOf: 'approver:alice' } },
      });
    });

    it('publishes an envelope signed by the requester on its own subject, deduplicated by event id', async () => {
      const result = await harness.cli(['submit', '--as', 'deploy-bot', ...submitArgs, '--json']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const printed = jsonLines(result.stdout)[0]!;
      expect(printed).toMatchObject({ stream: Streams.submissions.name, subject: Subjects.submit('deploy-bot'), duplicate: false });

      const stored = await storedMessage(Streams.submissions.name, printed.sequence as number);
      expect(stored.header?.get('Nats-Msg-Id')).toBe(printed.eventId);
      const verified = loadTrustStore(harness.home).verifyBytes(stored.data);
      expect(verified).toMatchObject({
        ok: true,
        type: EventTypes.RequestSubmitted,
        envelope: { id: printed.eventId, signer: 'requester:deploy-bot' },
      });
      expect(verified.ok && verified.envelope.data).toMatchObject({
        requestId: printed.requestId,
        action: { parameters: { path: '/v1/deploy' } },
      });
    });

    it('refuses a bad field with exit 2, names it, and publishes nothing', async () => {
      const jsm = await (await harness.connectAs('provisioner')).jetstreamManager();
      const before = (await jsm.streams.info(Streams.submissions.name)).state.messages;
      const result = await harness.cli(['submit', '--as', 'deploy-bot', ...submitArgs, '--target', 'Billing API']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('action.target:');
      expect((await jsm.streams.info(Streams.submissions.name)).state.messages).toBe(before);
    });

    it("sends the caller's --traceparent as a NATS header beside the signed envelope, and refuses a malformed one", async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const result = await harness.cli(['submit', '--as', 'deploy-bot', ...submitArgs, '--traceparent', traceparent, '--json']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const stored = await storedMessage(Streams.submissions.name, jsonLines(result.stdout)[0]!.sequence as number);
      expect(stored.header?.get('traceparent')).toBe(traceparent);
      const refused = await harness.cli(['submit', '--as', 'deploy-bot', ...submitArgs, '--traceparent', 'not-a-trace']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('traceparent');
    });
  });

  describe('submit --wait', () => {
    const notify = async (signer: string, requestId: string, outcome: Outcome) => {
      const envelope = harness.signerFor(signer).sign({
        id: randomUUID(),
        type: EventTypes.RequesterNotified,
        subject: requestId,
        time: new Date().toISOString(),
        data: {
          requestId,
          requester: 'requester:deploy-bot',
          outcome,
          causationEventId: randomUUID(),
          notifiedAt: new Date().toISOString(),
        },
      });
      const intake = (await harness.connectAs('intake')).jetstream();
      await intake.publish(Subjects.notify('deploy-bot'), JSON.stringify(envelope), { msgID: envelope.id });
    };

    /** Starts a waiting submit and resolves once its submission is on the stream. */
    const submitAndWait = async (timeoutSeconds: number) => {
      const requestId = randomUUID();
      const running = harness.cli([
        'submit',
        '--as',
        'deploy-bot',
        ...submitArgs,
        '--request-id',
        requestId,
        '--wait',
        '--timeout',
        String(timeoutSeconds),
        '--json',
      ]);
      const jsm = await (await harness.connectAs('provisioner')).jetstreamManager();
      await eventually(async () => {
        const last = await jsm.streams.getMessage(Streams.submissions.name, { last_by_subj: Subjects.submit('deploy-bot') });
        return last.json<{ data: { requestId: string } }>().data.requestId === requestId || undefined;
      });
      return { requestId, running };
    };

    it('prints each verified outcome, ignores forgeries, and exits 0 once executed', async () => {
      const { requestId, running } = await submitAndWait(30);
      await notify('approver:alice', requestId, 'executed');
      await notify('service:intake', requestId, 'accepted');
      await notify('service:intake', randomUUID(), 'failed');
      await notify('service:intake', requestId, 'approved');
      await notify('service:intake', requestId, 'executed');
      const result = await running;
      expect(result.code).toBe(0);
      expect(jsonLines(result.stdout).flatMap((line) => (line.notification ? [line.outcome] : []))).toEqual([
        'accepted',
        'approved',
        'executed',
      ]);
      expect(result.stderr).toContain('approver:alice may not emit');
    });

    it('exits 3 when the request is denied', async () => {
      const { requestId, running } = await submitAndWait(30);
      await notify('service:intake', requestId, 'denied');
      expect((await running).code).toBe(3);
    });

    it('exits 4 when no final outcome arrives in time', async () => {
      const { running } = await submitAndWait(1);
      const result = await running;
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('no final outcome');
    });
  });

  describe('vote', () => {
    it('publishes a vote signed by the approver on its own subject', async () => {
      const requestId = randomUUID();
      const digest = 'ab'.repeat(32);
      const renderingDigest = 'cd'.repeat(32);
      const result = await harness.cli([
        'vote',
        '--as',
        'alice',
        '--request',
        requestId,
        '--digest',
        digest,
        '--rendering',
        renderingDigest,
        '--approve',
        '--reason',
        'CHG-118',
        '--json',
      ]);
      expect(result.code).toBe(0);
      const printed = jsonLines(result.stdout)[0]!;
      expect(printed).toMatchObject({
        stream: Streams.votes.name,
        subject: Subjects.vote('alice'),
        requestId,
        decision: 'approve',
        renderingDigest,
      });
      const verified = loadTrustStore(harness.home).verifyBytes((await storedMessage(Streams.votes.name, printed.sequence as number)).data);
      expect(verified).toMatchObject({
        ok: true,
        type: EventTypes.VoteCast,
        envelope: { signer: 'approver:alice', data: { requestId, digest, renderingDigest, decision: 'approve', reason: 'CHG-118' } },
      });
    });

    it('refuses a malformed digest with exit 2', async () => {
      const result = await harness.cli(['vote', '--as', 'alice', '--request', randomUUID(), '--digest', 'ABC', '--deny']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('digest:');
    });
  });

  describe('audit verify --file (offline)', () => {
    it('accepts an intact chain of real signed envelopes and shows the chain of custody', async () => {
      const story = executedRequestStory((id) => harness.signerFor(id));
      const file = join(workDir, 'records.jsonl');
      writeFileSync(file, toJsonLines(chainRecords(story.envelopes)));

      const result = await harness.cli(['audit', 'verify', '--file', file, '--request', story.requestId, '--json']);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { custody: { links: Array<{ identity: string }> } };
      expect(report).toMatchObject({
        ok: true,
        records: 8,
        events: { verified: 8, failures: [] },
        custody: { ok: true, distinct: true, digests: [story.digest] },
      });
      expect(report.custody.links.map((link) => link.identity)).toEqual([
        'requester:deploy-bot',
        'approver:alice',
        'service:broker',
        'service:executor',
      ]);

      const human = await harness.cli(['audit', 'verify', '--file', file, '--request', story.requestId]);
      expect(human.stdout).toContain('audit verify: OK');
      expect(human.stdout).toContain(`chain of custody for request ${story.requestId}: OK`);
    });

    it('fails when one byte of the file changes', async () => {
      const story = executedRequestStory((id) => harness.signerFor(id));
      const original = toJsonLines(chainRecords(story.envelopes));
      const at = original.indexOf('release 4.2') + 'release 4.'.length;
      const file = join(workDir, 'tampered.jsonl');
      writeFileSync(file, `${original.slice(0, at)}3${original.slice(at + 1)}`);

      const result = await harness.cli(['audit', 'verify', '--file', file]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('audit verify: FAILED');
      expect(result.stdout).toContain('hash_mismatch');
    });
  });

  describe('reading the CS_AUDIT stream as operator-admin', () => {
    const stories = [0, 1].map(() => ({ requestId: randomUUID() }));
    let digest = '';

    beforeAll(async () => {
      const signer = (id: string) => harness.signerFor(id);
      const envelopes = stories.reduce<Envelope[]>(
        (after, { requestId }) => [...after, ...executedRequestStory(signer, { requestId, after }).envelopes],
        [],
      );
      digest = executedRequestStory(signer, { requestId: stories[0]!.requestId }).digest;
      const js = (await harness.connectAs('audit')).jetstream();
      for (const record of chainRecords(envelopes)) {
        const wrapped = wrapRecord(harness.signerFor('service:audit'), record);
        await js.publish(Subjects.auditRecords, JSON.stringify(wrapped), { msgID: wrapped.id });
      }
    });

    it('verifies the whole stream, record envelopes included', async () => {
      const result = await harness.cli(['audit', 'verify', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        ok: true,
        records: 16,
        firstSequence: 1,
        lastSequence: 16,
        wrappers: { present: 16, verified: 16 },
      });
    });

    it('shows a request timeline and exits 1 for an unknown request', async () => {
      const result = await harness.cli(['status', stories[0]!.requestId]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`request ${stories[0]!.requestId}: 8 events`);
      expect(result.stdout).toMatch(/request\.approved\s+service:approval\s+✓\s+mode=quorum\s+approvers=approver:alice/);
      expect(result.stdout).toContain(`digest=${digest}`);
      expect(result.stdout).not.toContain('ciphertext');
      expect((await harness.cli(['status', randomUUID()])).code).toBe(1);
    });

    it('exports records that verify offline with the same result', async () => {
      const file = join(workDir, 'export.jsonl');
      expect((await harness.cli(['audit', 'export', '--out', file])).code).toBe(0);
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(16);
      const result = await harness.cli(['audit', 'verify', '--file', file, '--request', stories[1]!.requestId, '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, records: 16, custody: { ok: true, executed: true } });
    });
  });
});
