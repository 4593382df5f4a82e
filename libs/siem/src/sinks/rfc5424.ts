import type { Forwardable } from './sink';

/**
 * RFC 5424 formatting and RFC 5425 octet-counting framing. A small formatter rather than glossy's
 * producer: glossy does not escape `"`, `\` and `]` inside SD-PARAM values (RFC 5424 6.3.3), trims
 * and silently drops fields instead of refusing over-long ones, and has no framing. Tests parse
 * what this produces with glossy's parser and with a real rsyslog.
 */
export const SD_ID = 'countersign@32473';

export interface SyslogHeader {
  hostname: string;
  appName: string;
  /** RFC 5424 facility code; 13 = "log audit". */
  facility: number;
}

/** OCSF severity_id -> syslog severity (Informational=6 info ... Critical=2 crit). */
const SEVERITY: Record<number, number> = { 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 1 };

export function formatRfc5424(record: Forwardable, header: SyslogHeader): string {
  const { ocsf } = record;
  const severity = SEVERITY[ocsf.severity_id as number] ?? 6;
  const timestamp = new Date(ocsf.time).toISOString();
  const code = ocsf.metadata.event_code;
  const eventType = (typeof code === 'string' ? code : 'audit.record').replace(/^countersign\./, '');
  const sd = structuredData({
    seq: String(record.sequence),
    hash: record.hash,
    class_uid: String(ocsf.class_uid),
    type_uid: String(ocsf.type_uid),
  });
  return [
    `<${header.facility * 8 + severity}>1`,
    timestamp,
    token(header.hostname, 255),
    token(header.appName, 48),
    '-',
    token(eventType, 32),
    sd,
    JSON.stringify(ocsf),
  ].join(' ');
}

/** RFC 5425 section 4.3: MSG-LEN SP SYSLOG-MSG, the length in octets. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

function structuredData(params: Record<string, string>): string {
  const body = Object.entries(params)
    .map(([name, value]) => `${name}="${value.replace(/[\\"\]]/g, (c) => `\\${c}`)}"`)
    .join(' ');
  return `[${SD_ID} ${body}]`;
}

/** PRINTUSASCII, no spaces, bounded; '-' (the NILVALUE) when nothing is left. */
function token(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}
