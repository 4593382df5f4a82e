import { fixtureAuditRecords, parseSyslog } from '../testing';
import { renderOcsf } from '../ocsf';
import { formatRfc5424, frameOctetCounted } from './rfc5424';

const [record] = fixtureAuditRecords(1);
const item = { sequence: record!.sequence, hash: record!.hash, ocsf: renderOcsf(record!) };
const header = { hostname: 'host-1', appName: 'countersign', facility: 13 };

describe('RFC 5424 formatting and RFC 5425 framing', () => {
  it('produces a message glossy parses, with sequence and hash in structured data and the OCSF JSON as MSG', () => {
    const parsed = parseSyslog(formatRfc5424(item, header));
    expect(parsed).toMatchObject({ type: 'RFC5424', prival: 13 * 8 + 6, appName: 'countersign', msgId: 'request.submitted.v1' });
    expect(parsed.sd).toMatchObject({ seq: '1', hash: item.hash, class_uid: '6003', type_uid: '600301' });
    expect(parsed.ocsf).toEqual(item.ocsf);
  });

  it('frames with the length in octets, not characters', () => {
    const message = formatRfc5424({ ...item, ocsf: { ...item.ocsf, message: 'naïve – ✓' } }, header);
    const frame = frameOctetCounted(message).toString('utf8');
    const [length, ...rest] = frame.split(' ');
    expect(Number(length)).toBe(Buffer.byteLength(rest.join(' ')));
    expect(Number(length)).toBeGreaterThan(rest.join(' ').length);
  });

  it('maps OCSF severity to syslog severity and keeps header fields printable and bounded', () => {
    const critical = formatRfc5424(
      { ...item, ocsf: { ...item.ocsf, severity_id: 5 } },
      { ...header, hostname: 'a b\u00e9', appName: 'x'.repeat(60) },
    );
    expect(critical.startsWith(`<${13 * 8 + 2}>1 `)).toBe(true);
    const [, , host, app] = critical.split(' ');
    expect(host).toBe('a_b_');
    expect(app).toHaveLength(48);
  });
});
