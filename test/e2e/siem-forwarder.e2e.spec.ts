import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes } from '@countersign/contracts';
import { parseSyslog, validateOcsf, type ParsedSyslog } from '@countersign/siem/testing';
import { rsyslogUnavailable, startRsyslog, type RunningRsyslog } from '@countersign/testing';
import { effectsAt, eventually } from './clients';
import { demoTargetIn, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(180_000);

const unavailable = rsyslogUnavailable();
if (unavailable) console.warn(`SIEM forwarder e2e skipped: ${unavailable}`);
const describeRsyslog = unavailable ? describe.skip : describe;

const READER = 'syslog-e2e';
const deploy = {
  kind: 'http.request',
  target: demoTargetIn('staging'),
  environment: 'staging',
  parameters: { method: 'POST', path: '/deploy' },
};

/** Received messages by sequence; the first arrival of each, in arrival order. */
function firstArrivals(rsyslog: RunningRsyslog): ParsedSyslog[] {
  const seen = new Set<number>();
  return rsyslog
    .messages()
    .map((line) => parseSyslog(line))
    .filter((message) => {
      const sequence = Number(message.sd.seq);
      if (seen.has(sequence)) return false;
      seen.add(sequence);
      return true;
    });
}

describeRsyslog('the SIEM forwarder delivers the audit chain to a real rsyslog over TLS', () => {
  let rsyslog: RunningRsyslog;
  let s: Scenario;

  beforeAll(async () => {
    rsyslog = await startRsyslog({ transport: 'tls' });
    const config = { reader: READER, sinks: [{ type: 'syslog', host: rsyslog.host, port: rsyslog.port, caFile: rsyslog.caFile }] };
    s = await startScenario({ siemReaders: [READER], siemForwarder: { env: { COUNTERSIGN_SIEM_CONFIG_JSON: JSON.stringify(config) } } });
  });

  afterAll(async () => {
    await s?.close();
    await rsyslog?.dispose();
  });

  const runToCustody = async () => {
    const { requestId } = await s.deployBot.submit(deploy, 'routine staging deploy');
    await outcomeOf(s.deployBot, requestId, 'executed');
    await eventually(() => expect(s.audit.eventsFor(requestId).map((event) => event.type)).toContain(EventTypes.CustodyVerified));
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    return requestId;
  };

  it('every record of a run arrives once, parses as RFC 5424 and carries valid OCSF that names its chain link', async () => {
    await runToCustody();
    // Exactly the chain, each sequence once: no loss, no duplicate, in order.
    const sequences = () => rsyslog.messages().map((line) => Number(parseSyslog(line).sd.seq));
    await eventually(() => expect(sequences()).toEqual(s.audit.records.map((record) => record.sequence)), 30_000);
    const received = rsyslog.messages().map((line) => parseSyslog(line));
    for (const message of received) {
      const record = s.audit.records[Number(message.sd.seq) - 1]!;
      expect(message.sd.hash).toBe(record.hash);
      expect(validateOcsf(message.ocsf)).toEqual([]);
      expect(message.ocsf).toMatchObject({
        metadata: { uid: record.event.id, sequence: record.sequence },
        unmapped: { countersign: { record_hash: record.hash } },
      });
    }
  });

  it('holds records back while rsyslog is down (lag reported) and delivers all of them, in order, once it is back', async () => {
    await rsyslog.stop();
    const requestId = await runToCustody();
    const status = () =>
      JSON.parse(readFileSync(join(s.stack.home, 'siem', READER, 'status.json'), 'utf8')) as { state: string; lag: number };
    await eventually(() => expect(status()).toMatchObject({ state: 'waiting_for_sink' }), 30_000);
    expect(status().lag).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await rsyslog.start();
    const sequences = () => firstArrivals(rsyslog).map((message) => Number(message.sd.seq));
    await eventually(() => expect(sequences()).toEqual(s.audit.records.map((record) => record.sequence)), 60_000);
    const last = firstArrivals(rsyslog).filter(
      (message) => message.ocsf.metadata && (message.ocsf.metadata as { correlation_uid?: string }).correlation_uid === requestId,
    );
    expect(last.length).toBeGreaterThan(0);
    for (const message of firstArrivals(rsyslog)) expect(validateOcsf(message.ocsf)).toEqual([]);
    await eventually(() => expect(status()).toMatchObject({ state: 'idle', lag: 0 }), 30_000);
  });
});
