/**
 * Where things are in a JSON text, so a policy error can name a line a reviewer can jump to.
 * zod reports paths (`tiers.1.quorum`); this scanner records where each path's value starts.
 */
export interface TextLocation {
  line: number;
  column: number;
}

type Scan = { ok: true; starts: Map<string, number> } | { ok: false; offset: number };

/**
 * The line of the value at `path` (dotted, as zod reports it), or of its deepest ancestor that
 * exists (a missing field is reported where its object starts). Undefined for text that is not JSON.
 */
export function locateJsonPath(text: string, path: string): TextLocation | undefined {
  const scan = scanJson(text);
  if (!scan.ok) return undefined;
  const parts = path === '(root)' ? [] : path.split('.');
  for (let length = parts.length; length >= 0; length--) {
    const start = scan.starts.get(parts.slice(0, length).join('.'));
    if (start !== undefined) return locationOf(text, start);
  }
  return undefined;
}

/** Where the first syntax error is, or undefined when the text is valid JSON. */
export function locateJsonError(text: string): TextLocation | undefined {
  const scan = scanJson(text);
  return scan.ok ? undefined : locationOf(text, scan.offset);
}

/** 1-based line and column of a character offset. */
export function locationOf(text: string, offset: number): TextLocation {
  const before = text.slice(0, Math.max(0, offset));
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

class SyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}

const LITERAL = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;
// Lenient about escapes: the text already failed or passed JSON.parse, this only finds places.
const STRING = /"(?:[^"\\\n]|\\.)*"/y;

function scanJson(text: string): Scan {
  const starts = new Map<string, number>();
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[pos] !== char) throw new SyntaxAt(pos);
    pos++;
  };
  const match = (pattern: RegExp): string => {
    pattern.lastIndex = pos;
    const found = pattern.exec(text);
    if (!found) throw new SyntaxAt(pos);
    pos += found[0].length;
    return found[0];
  };
  const value = (path: string[]): void => {
    skipSpace();
    starts.set(path.join('.'), pos);
    const char = text[pos];
    if (char === '{') members(path);
    else if (char === '[') elements(path);
    else if (char === '"') match(STRING);
    else match(LITERAL);
  };
  const members = (path: string[]): void => {
    pos++;
    skipSpace();
    if (text[pos] === '}') return void pos++;
    for (;;) {
      skipSpace();
      const key = match(STRING).slice(1, -1);
      expect(':');
      value([...path, key]);
      skipSpace();
      if (text[pos] === '}') return void pos++;
      expect(',');
    }
  };
  const elements = (path: string[]): void => {
    pos++;
    skipSpace();
    if (text[pos] === ']') return void pos++;
    for (let index = 0; ; index++) {
      value([...path, String(index)]);
      skipSpace();
      if (text[pos] === ']') return void pos++;
      expect(',');
    }
  };
  try {
    value([]);
    skipSpace();
    if (pos < text.length) throw new SyntaxAt(pos);
    return { ok: true, starts };
  } catch (error) {
    if (error instanceof SyntaxAt) return { ok: false, offset: error.offset };
    throw error;
  }
}
