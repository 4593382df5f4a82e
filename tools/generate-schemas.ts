/**
 * Generates the published JSON Schemas (draft 2020-12) from the zod contracts: one for the envelope,
 * one per event type's `data`, and an index. The zod schemas stay the single source of truth; these
 * files exist for people who integrate without TypeScript.
 *
 *   node -r @swc-node/register tools/generate-schemas.ts          write docs/schemas/
 *   node -r @swc-node/register tools/generate-schemas.ts --check  exit 1 when the files are stale
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EVENT_TYPES, EnvelopeSchema, EventTypes, subjectFor, type Emitter, type EventType } from '@countersign/contracts';

export const SCHEMA_DIR = join(__dirname, '..', 'docs', 'schemas');
export const ENVELOPE_FILE = 'envelope.schema.json';
export const INDEX_FILE = 'index.json';

export const schemaFileFor = (type: string): string => `${type}.schema.json`;

/** Who may sign a type, as the identity pattern an integrator recognises. */
export function describeEmitter(emitter: Emitter): string {
  if ('anyService' in emitter) return 'service:*';
  if ('service' in emitter) return `service:${emitter.service}`;
  return `${emitter.kind}:*`;
}

/** The subject a type is published on, with the varying token shown as a placeholder. */
export function describeSubject(type: EventType): string {
  // Never published on its own: intake refuses it on any subject (subject_mismatch).
  if (type === EventTypes.RunAttested) return 'none: carried in countersign.request.submitted.v1 data.run';
  const emitter: Emitter = EVENT_TYPES[type].emitter;
  const signer =
    'kind' in emitter ? `${emitter.kind}:<${emitter.kind}>` : `service:${'service' in emitter ? emitter.service : '<service>'}`;
  return subjectFor({ type, signer, data: { requester: 'requester:<requester>' } });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keywords a reader looks for first; the rest follow alphabetically. */
const LEADING_KEYWORDS = ['$schema', '$id', 'title', 'description', 'type'];
/** Maps whose keys are names chosen by the schema author, kept in declaration order. */
const NAME_MAPS = new Set(['properties', '$defs', 'patternProperties']);

function keywordOrder(a: string, b: string): number {
  const rank = (key: string) => {
    const index = LEADING_KEYWORDS.indexOf(key);
    return index === -1 ? LEADING_KEYWORDS.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Same input, same bytes: keywords in a fixed order, property names as declared. */
export function orderKeys(value: Json, keepOrder = false): Json {
  if (Array.isArray(value)) return value.map((item) => orderKeys(item));
  if (value === null || typeof value !== 'object') return value;
  const keys = keepOrder ? Object.keys(value) : Object.keys(value).sort(keywordOrder);
  return Object.fromEntries(keys.map((key) => [key, orderKeys(value[key] as Json, !keepOrder && NAME_MAPS.has(key))]));
}

function toSchema(schema: z.ZodType, title: string, description: string): Json {
  // `input`: the schema of what a sender puts on the wire, before zod's defaults and transforms.
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as Record<string, Json>;
  return orderKeys({ ...generated, title, description });
}

const render = (value: Json): string => `${JSON.stringify(value, null, 2)}\n`;

/** Every file the generator owns, by file name. */
export function generateSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    ENVELOPE_FILE,
    render(
      toSchema(
        EnvelopeSchema,
        'Countersign envelope',
        'A CloudEvents 1.0 structured-mode event with the Countersign signature extension attributes (signer, keyid, signature). ' +
          '`data` must also validate against the schema of `type`.',
      ),
    ),
  );
  const index: Record<string, { file: string; emitter: string; subject: string }> = {};
  for (const type of Object.keys(EVENT_TYPES).sort() as EventType[]) {
    const emitter = describeEmitter(EVENT_TYPES[type].emitter);
    const file = schemaFileFor(type);
    files.set(file, render(toSchema(EVENT_TYPES[type].schema, type, `The data of a ${type} envelope. Signed by ${emitter}.`)));
    index[type] = { file, emitter, subject: describeSubject(type) };
  }
  files.set(INDEX_FILE, render({ envelope: ENVELOPE_FILE, types: index }));
  return files;
}

/** File names whose committed content differs from what would be generated, and strays. */
export function staleSchemaFiles(dir: string = SCHEMA_DIR, files = generateSchemaFiles()): string[] {
  const stale = [...files].filter(([name, content]) => {
    const path = join(dir, name);
    return !existsSync(path) || readFileSync(path, 'utf8') !== content;
  });
  const strays = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json') && !files.has(name)) : [];
  return [...stale.map(([name]) => name), ...strays.map((name) => `${name} (no longer generated)`)];
}

function main(argv: string[]): number {
  if (argv.includes('--check')) {
    const stale = staleSchemaFiles();
    if (stale.length === 0) {
      console.log(`docs/schemas is current (${generateSchemaFiles().size} files)`);
      return 0;
    }
    console.error(`docs/schemas is stale; run: node -r @swc-node/register tools/generate-schemas.ts`);
    for (const name of stale) console.error(`  ${name}`);
    return 1;
  }
  mkdirSync(SCHEMA_DIR, { recursive: true });
  const files = generateSchemaFiles();
  for (const [name, content] of files) writeFileSync(join(SCHEMA_DIR, name), content);
  console.log(`wrote ${files.size} files to docs/schemas`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
