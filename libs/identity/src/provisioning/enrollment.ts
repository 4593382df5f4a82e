import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKeyIds, Enrollment, enrollmentOf, ensureKeyFile, writePublicJson, type KeyOwner } from './key-custody';

/** Anything that smells of a private half: PKCS#8 fields, NKEY seeds (`S...`), passwords, tokens. */
const PRIVATE_FIELD = /^(privateKey|private|seed|password|pass|secret|token|d)$/i;
const NKEY_SEED = /\bS[A-Z][A-Z2-7]{50,}\b/;
const PEM_PRIVATE = /PRIVATE KEY/;

/** The path of the first private-looking thing in a parsed JSON value, if any. */
export function privateMaterialIn(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return NKEY_SEED.test(value) || PEM_PRIVATE.test(value) ? path || '(root)' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = privateMaterialIn(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (PRIVATE_FIELD.test(key)) return here;
      const found = privateMaterialIn(item, here);
      if (found) return found;
    }
  }
  return undefined;
}

const MAX_ENROLLMENT_BYTES = 16 * 1024;

/**
 * Reads one enrollment file. A file carrying private material is refused outright, with the field
 * named: whoever sent it has already leaked that key and must make a new one.
 */
export function readEnrollment(path: string): Enrollment {
  const text = readFileSync(path, 'utf8');
  if (text.length > MAX_ENROLLMENT_BYTES) throw new Error(`enrollment ${path} is larger than ${MAX_ENROLLMENT_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`enrollment ${path} is not JSON`);
  }
  const secret = privateMaterialIn(raw);
  if (secret) {
    throw new Error(
      `enrollment ${path} contains private material (${secret}); refusing it. An enrollment holds public keys only: ` +
        `treat that key as leaked, make a new one with 'countersign keys init' and send its enrollment file`,
    );
  }
  const parsed = Enrollment.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`enrollment ${path} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
  }
  const mismatch = checkKeyIds(parsed.data);
  if (mismatch) throw new Error(`enrollment ${path}: ${mismatch}`);
  return parsed.data;
}

/** Every `*.json` in the folder; two enrollments for one identity are refused rather than one picked. */
export function readEnrollments(dir: string): Enrollment[] {
  if (!existsSync(dir)) throw new Error(`enrollments folder ${dir} not found`);
  const enrollments = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => readEnrollment(join(dir, name)));
  const seen = new Set<string>();
  for (const { id } of enrollments) {
    if (seen.has(id)) throw new Error(`two enrollments in ${dir} for ${id}; keep one`);
    seen.add(id);
  }
  return enrollments;
}

export const enrollmentFileName = (owner: KeyOwner) => `${owner.replace(':', '-')}.json`;

/**
 * Development mode only (`npm start`, tests): plays every identity's own machine in turn. Each key
 * is made in that identity's own folder (`keyPath(owner)`), exactly as `countersign keys init`
 * would, and only its public enrollment is copied into `enrollmentsDir` for provisioning.
 */
export function enrollLocally(
  owners: readonly KeyOwner[],
  keyPath: (owner: KeyOwner) => string,
  enrollmentsDir: string,
): { generated: KeyOwner[]; enrollments: Enrollment[]; written: string[] } {
  const generated: KeyOwner[] = [];
  const written: string[] = [];
  const enrollments = owners.map((owner) => {
    const { file, generated: made } = ensureKeyFile(keyPath(owner), owner);
    if (made) generated.push(owner);
    const enrollment = enrollmentOf(file);
    const path = join(enrollmentsDir, enrollmentFileName(owner));
    writePublicJson(path, enrollment);
    written.push(path);
    return enrollment;
  });
  return { generated, enrollments, written };
}
