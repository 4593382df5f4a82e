/**
 * Parses a received RFC 5424 message with glossy's parser (an independent implementation, so the
 * test does not check our formatter with itself), and reads the OCSF JSON in MSG.
 */
interface GlossyParsed {
  type?: string;
  prival?: number;
  time?: Date;
  host?: string | null;
  appName?: string | null;
  msgID?: string | null;
  structuredData?: Record<string, Record<string, string>>;
  message?: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const glossy = require('glossy') as { Parse: { parse(message: string): GlossyParsed } };

export interface ParsedSyslog {
  type: string;
  prival: number;
  time: Date;
  appName: string;
  msgId: string;
  sd: Record<string, string>;
  ocsf: Record<string, unknown>;
}

export function parseSyslog(message: string, sdId = 'countersign@32473'): ParsedSyslog {
  const parsed = glossy.Parse.parse(message);
  if (parsed.type !== 'RFC5424') throw new Error(`not RFC 5424: ${message.slice(0, 120)}`);
  const sd = parsed.structuredData?.[sdId];
  if (!sd) throw new Error(`no [${sdId}] structured data in: ${message.slice(0, 200)}`);
  return {
    type: parsed.type,
    prival: parsed.prival ?? -1,
    time: parsed.time ?? new Date(NaN),
    appName: parsed.appName ?? '',
    msgId: parsed.msgID ?? '',
    sd,
    ocsf: JSON.parse(parsed.message ?? '') as Record<string, unknown>,
  };
}
