import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventTypes, SERVICE_NAMES, type CredentialIssuedV1, type Envelope } from '@countersign/contracts';
import { HomeLayout, importPrivateKey, open } from '@countersign/identity';
import { LOG_FLUSH_MS, requestIdOfStored } from '@countersign/service-runtime';
import { runCli } from '@countersign/cli/testing';
import { effectsAt, eventually } from './clients';
import { approvalRequested, demoTargetIn, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(120_000);

/**
 * Issue 16 on one stack: a trace id given on an HTTP submission is carried by every stored event
 * and every log line of the request, across every service (votes come from clients that send no
 * trace of their own); no credential, key or seed the run issued shows up in any process's output;
 * and `status --timeline` shows the hops.
 */
describe('observability on the real stack: one trace per request, JSON logs without secrets, the timeline', () => {
  let s: Scenario;
  const lines: Array<{ name: string; line: string }> = [];
  const traceId = randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  let requestId: string;

  beforeAll(async () => {
    s = await startScenario({ log: (name, line) => void lines.push({ name, line }) });
    requestId = randomUUID();
    const action = {
      kind: 'http.request',
      target: demoTargetIn('production'),
      environment: 'production',
      parameters: { method: 'POST', path: '/deploy' },
    };
    const envelope = s.paymentsAgent.sign({ requestId, action, reason: 'traced hotfix' });
    const response = await fetch(`${s.stack.intakeUrl}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify(envelope),
    });
    expect(response.status).toBe(202);
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'looked');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'looked too');
    await outcomeOf(s.paymentsAgent, requestId, 'executed');
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    await eventually(() => expect(s.audit.eventsFor(requestId).map((event) => event.type)).toContain(EventTypes.CustodyVerified));
    // Services hold info lines for up to LOG_FLUSH_MS once ready: wait until every service's
    // decision lines about the request have arrived, then out the window for anything after them.
    await eventually(() => expect(decidersOf(lines, requestId)).toEqual([...SERVICE_NAMES].sort()));
    await new Promise((resolve) => setTimeout(resolve, 3 * LOG_FLUSH_MS));
  });

  afterAll(async () => {
    await s?.close();
  });

  it('keeps the submitted trace id on every stored event of the request, in every service', () => {
    const traced = new Map<string, string[]>();
    for (const service of SERVICE_NAMES) {
      const db = new Database(join(s.stack.home, 'data', `${service}.sqlite`), { readonly: true, fileMustExist: true });
      const rows = db.prepare<[], { type: string; data: string; metadata: string }>('SELECT type, data, metadata FROM events').all();
      db.close();
      const ofRequest = rows.filter((row) => requestIdOfStored(JSON.parse(row.data)) === requestId);
      const traces = ofRequest.map((row) => `${row.type} ${String((JSON.parse(row.metadata) as { traceparent?: string }).traceparent)}`);
      traced.set(service, traces);
      expect([service, ofRequest.length > 0]).toEqual([service, true]);
      expect([service, traces.filter((trace) => !trace.includes(`-${traceId}-`))]).toEqual([service, []]);
    }
    // The hops the issue names are all there, in the request's trace.
    const all = [...traced.values()].flat().join('\n');
    for (const type of [
      EventTypes.RequestAccepted,
      EventTypes.RequestApproved,
      EventTypes.CredentialIssued,
      EventTypes.ExecutionSucceeded,
      EventTypes.CustodyVerified,
    ])
      expect(all).toContain(type);
  });

  it('writes JSON log lines, one per decision, and every line about the request carries its trace id', () => {
    const json = lines.flatMap(({ name, line }) =>
      line.startsWith('{') ? [{ name, entry: JSON.parse(line) as Record<string, unknown> }] : [],
    );
    const ofRequest = json.filter(({ entry }) => entry.requestId === requestId);
    expect(ofRequest.filter(({ entry }) => entry.traceId !== traceId)).toEqual([]);
    expect(decidersOf(lines, requestId)).toEqual([...SERVICE_NAMES].sort());
    const decided = ofRequest.find(({ entry }) => entry.msg === 'decided' && entry.eventType === EventTypes.CredentialIssued)!.entry;
    expect(decided).toMatchObject({ service: 'broker', level: 'info', requestId, traceId, eventId: expect.any(String) });
    // Every service line is JSON (the two start-up markers and the demo target's own lines aside).
    const plain = lines.filter(({ name, line }) => SERVICE_NAMES.includes(name as never) && !line.startsWith('{'));
    expect(plain.filter(({ line }) => !/^COUNTERSIGN_(READY|HEALTH) /.test(line))).toEqual([]);
  });

  it('never logs a credential, key, seed or signature the run issued', () => {
    const output = lines.map(({ line }) => line).join('\n');
    const secrets = [...keyMaterial(join(s.stack.home, 'keys')), ...credentialsOf(s.stack.home, s.audit.eventsFor(requestId))];
    const signatures = s.audit.eventsFor(requestId).map((event) => event.signature);
    expect(secrets.length).toBeGreaterThan(20);
    expect(secrets.filter((secret) => output.includes(secret))).toEqual([]);
    expect(signatures.filter((signature) => output.includes(signature))).toEqual([]);
  });

  it('shows each hop with its time and duration: countersign status --timeline', async () => {
    const { stdout, stderr } = await runCli(['--home', s.stack.home, '--nats', s.stack.natsUrl, 'status', requestId, '--timeline']);
    expect(stderr).toBe('');
    const [title, ...hops] = stdout.trim().split('\n');
    expect(title).toMatch(new RegExp(`^request ${requestId}: \\d+ hops in \\S+$`));
    expect(hops[0]).toMatch(/ T\+0ms +request\.submitted +requester:payments-agent +start +audited \+\S+$/);
    // Every later hop: its time since the start, and its duration from the event it answered.
    for (const hop of hops.slice(1)) expect(hop).toMatch(/ T\+\S+ +[a-z.]+ +\S+ +\+\S+ after [a-z.]+ +audited \+\S+$/);
    expect(stdout).toMatch(/credential\.issued +service:broker +\+\S+ after request\.approved/);
    expect(stdout).toMatch(/execution\.succeeded +service:executor +\+\S+ after execution\.started/);
  });
});

/** Every private value in every key file of the home (signing and encryption keys, NATS seeds). */
function keyMaterial(dir: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key = ''): void => {
    if (typeof value === 'string' && /private|seed|secret/i.test(key) && value.length >= 16) found.push(value);
    else if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value !== null && typeof value === 'object') Object.entries(value).forEach(([name, item]) => walk(item, name));
  };
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...keyMaterial(path));
    else if (name.endsWith('.json')) walk(JSON.parse(readFileSync(path, 'utf8')));
  }
  return found;
}

/** The credential tokens the broker sealed for the request, opened with the executor's key, and their signatures. */
function credentialsOf(home: string, events: readonly Envelope[]): string[] {
  const keyFile = JSON.parse(readFileSync(HomeLayout.identity(home, 'service:executor'), 'utf8')) as {
    encryption: { privateKey: string };
  };
  const decryption = importPrivateKey(keyFile.encryption.privateKey);
  return events
    .filter((event): event is Envelope<CredentialIssuedV1> => event.type === EventTypes.CredentialIssued)
    .flatMap(({ data }) => {
      const plaintext = open(data.sealed, decryption, `${data.requestId}:${data.digest}`);
      const token = plaintext.startsWith('{') ? (JSON.parse(plaintext) as { token: string }).token : plaintext;
      return [token, token.split('.')[2]!];
    });
}

/** The services that logged a `decided` line about the request, sorted. */
function decidersOf(lines: Array<{ line: string }>, requestId: string): string[] {
  const entries = lines.flatMap(({ line }) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
  const deciders = entries
    .filter((entry) => entry.requestId === requestId && entry.msg === 'decided')
    .map((entry) => String(entry.service));
  return [...new Set(deciders)].sort();
}
