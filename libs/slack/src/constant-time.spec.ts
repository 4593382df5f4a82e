import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// A code check, not a proof: it reads the Slack sources and fails if a Slack signature (or an HMAC)
// is compared with an equality operator, which leaks timing. Comparing against undefined/null, a
// typeof check or a length is not a secret comparison and is allowed.
const ROOT = resolve(__dirname, '../../..');
const SOURCE_DIRS = ['libs/slack/src', 'apps/slack-edge/src'];

function tsSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsSources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const OPERAND = String.raw`[\w$.'"\`\[\]()!]+`;
const COMPARISON = new RegExp(String.raw`(${OPERAND})\s*(?:===|!==|==|!=)\s*(${OPERAND})`, 'g');
const SECRETISH = /signature|hmac/i;
const HARMLESS = /^(undefined|null|typeof|.*\.length|\d+)$/;

/** Returns the comparisons on a line that put a signature-like value next to an equality operator. */
function signatureComparisons(line: string): string[] {
  const code = line.replace(/\/\/.*$/, '');
  const found: string[] = [];
  for (const match of code.matchAll(COMPARISON)) {
    const [text] = match;
    const [left, right] = [match[1], match[2]].map((operand = '') => operand.replace(/^[(!]+|[);]+$/g, ''));
    const involvesSignature = SECRETISH.test(left!) || SECRETISH.test(right!);
    const harmless = HARMLESS.test(left!) || HARMLESS.test(right!) || /typeof\s*$/.test(code.slice(0, match.index));
    if (involvesSignature && !harmless) found.push(text);
  }
  return found;
}

describe('constant-time comparison is enforced', () => {
  const files = SOURCE_DIRS.flatMap((dir) => tsSources(join(ROOT, dir)));

  it('reads the Slack sources (the check is not vacuous)', () => {
    expect(files.map((file) => relative(ROOT, file))).toContain('libs/slack/src/signature.ts');
  });

  it('no Slack source compares a signature with ===, !==, == or !=', () => {
    const offences = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => signatureComparisons(line).map((hit) => `${relative(ROOT, file)}:${index + 1}: ${hit}`)),
    );
    expect(offences).toEqual([]);
  });

  it('signature.ts compares with crypto.timingSafeEqual', () => {
    const source = readFileSync(join(ROOT, 'libs/slack/src/signature.ts'), 'utf8');
    expect(source).toMatch(/import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto'/);
    expect(source).toMatch(/timingSafeEqual\(/);
  });

  describe('the detector itself', () => {
    it.each([
      'if (expected === signature) return ok;',
      "if (req.headers['x-slack-signature'] !== computed) refuse();",
      'return mySignature == theirs;',
      'const same = hmac.digest("hex") === provided;',
    ])('flags %s', (line) => {
      expect(signatureComparisons(line)).not.toEqual([]);
    });

    it.each([
      'if (signature === undefined) return missing;',
      "if (typeof signature !== 'string') return missing;",
      'if (signature.length !== 67) return malformed;',
      'if (a === b) return;',
      '// never write expected === signature',
    ])('allows %s', (line) => {
      expect(signatureComparisons(line)).toEqual([]);
    });
  });
});
