import { rsyslogUnavailable, startRsyslog, type RunningRsyslog, waitFor } from '@countersign/testing';
import { fixtureAuditRecords, parseSyslog, validateOcsf } from '../testing';
import { renderOcsf } from '../ocsf';
import type { Forwardable } from './sink';
import { SyslogSink } from './syslog';

const unavailable = rsyslogUnavailable();
if (unavailable) console.warn(`syslog sink suite skipped: ${unavailable}`);
const describeRsyslog = unavailable ? describe.skip : describe;

const forwardables = (count: number): Forwardable[] =>
  fixtureAuditRecords(count).map((record) => ({ sequence: record.sequence, hash: record.hash, ocsf: renderOcsf(record) }));

describeRsyslog('syslog sink against a real rsyslog (RFC 5425 over TLS)', () => {
  let rsyslog: RunningRsyslog;
  let sink: SyslogSink;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    rsyslog = await startRsyslog({ transport: 'tls' });
    sink = new SyslogSink({ host: rsyslog.host, port: rsyslog.port, caFile: rsyslog.caFile! });
  });
  afterAll(async () => {
    await sink?.close();
    await rsyslog?.dispose();
  });

  it('delivers every record once as RFC 5424 with sequence and hash in structured data and valid OCSF in MSG', async () => {
    const records = forwardables(30);
    expect(await sink.send(records)).toEqual({ ok: true });
    await waitFor(() => rsyslog.messages().length >= records.length, 10_000);
    const received = rsyslog.messages().map((line) => parseSyslog(line));
    expect(received.map((message) => Number(message.sd.seq))).toEqual(records.map((record) => record.sequence));
    received.forEach((message, index) => {
      expect(message.sd.hash).toBe(records[index]!.hash);
      expect(message.appName).toBe('countersign');
      expect(validateOcsf(message.ocsf)).toEqual([]);
      expect(message.ocsf).toEqual(records[index]!.ocsf);
    });
  });

  it('refuses a receiver whose certificate it cannot verify (no CA given)', async () => {
    const untrusting = new SyslogSink({ host: rsyslog.host, port: rsyslog.port });
    const outcome = await untrusting.send(forwardables(1));
    expect(outcome).toMatchObject({ ok: false, retry: true });
    await untrusting.close();
  });
});

describeRsyslog('syslog sink over plain TCP (labs) against a real rsyslog', () => {
  let rsyslog: RunningRsyslog;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    rsyslog = await startRsyslog({ transport: 'tcp' });
  });
  afterAll(async () => {
    await rsyslog?.dispose();
  });

  it('delivers the same octet-counted RFC 5424 frames without TLS, and catches up after rsyslog restarts', async () => {
    const sink = new SyslogSink({ host: rsyslog.host, port: rsyslog.port, transport: 'tcp' });
    const records = forwardables(20);
    expect(await sink.send(records.slice(0, 10))).toEqual({ ok: true });
    await waitFor(() => rsyslog.messages().length >= 10, 10_000);
    await rsyslog.stop();
    expect(await sink.send(records.slice(10))).toMatchObject({ ok: false, retry: true });
    await rsyslog.start();
    expect(await sink.send(records.slice(10))).toEqual({ ok: true });
    const sequences = () => [...new Set(rsyslog.messages().map((line) => Number(parseSyslog(line).sd.seq)))];
    await waitFor(() => sequences().length >= 20, 10_000);
    expect(sequences()).toEqual(records.map((record) => record.sequence));
    await sink.close();
  });
});
