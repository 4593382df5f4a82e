import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, EnvelopeSchema, EventTypes, type EventType } from '@countersign/contracts';
import { ENVELOPE_FILE, INDEX_FILE, SCHEMA_DIR, generateSchemaFiles, schemaFileFor, staleSchemaFiles } from './generate-schemas';

interface ObjectSchema {
  type: string;
  properties: Record<string, { type?: string; pattern?: string; enum?: unknown[]; const?: unknown }>;
  required: string[];
  additionalProperties?: boolean;
}

const committed = (file: string): ObjectSchema => JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as ObjectSchema;

/**
 * The structural part of JSON Schema validation that matters for a sample: every required field is
 * there, nothing undeclared is, and top-level patterns, enums and consts hold. (No validator is a
 * dependency; the zod schemas remain the authority.)
 */
function structuralProblems(schema: ObjectSchema, sample: Record<string, unknown>): string[] {
  const problems = schema.required.filter((field) => !(field in sample)).map((field) => `missing ${field}`);
  for (const [field, value] of Object.entries(sample)) {
    const property = schema.properties[field];
    if (!property) {
      if (schema.additionalProperties === false) problems.push(`undeclared ${field}`);
      continue;
    }
    if (property.type === 'string' && typeof value !== 'string') problems.push(`${field} is not a string`);
    if (property.pattern && typeof value === 'string' && !new RegExp(property.pattern, 'u').test(value))
      problems.push(`${field} breaks its pattern`);
    if (property.enum && !property.enum.includes(value)) problems.push(`${field} is not one of ${property.enum.join(', ')}`);
    if ('const' in property && property.const !== value) problems.push(`${field} is not ${String(property.const)}`);
  }
  return problems;
}

const requestId = '0b7f3c52-8a43-4f3e-9d6a-2f1c7e9b5a10';

const samples: Partial<Record<EventType, Record<string, unknown>>> = {
  [EventTypes.RequestSubmitted]: {
    requestId,
    action: { kind: 'http.request', target: 'billing-api', environment: 'production', parameters: { method: 'POST', path: '/v1/refunds' } },
    reason: 'refund order 1234 after a double charge',
  },
  [EventTypes.VoteCast]: {
    requestId,
    digest: 'a'.repeat(64),
    renderingDigest: 'b'.repeat(64),
    decision: 'approve',
    reason: 'checked the order',
  },
};

describe('generated JSON Schemas', () => {
  it('has a schema file, listed in the index with its emitter, for every event type', () => {
    const index = JSON.parse(readFileSync(join(SCHEMA_DIR, INDEX_FILE), 'utf8')) as {
      envelope: string;
      types: Record<string, { file: string }>;
    };
    expect(index.envelope).toBe(ENVELOPE_FILE);
    for (const type of Object.keys(EVENT_TYPES)) {
      expect(index.types[type]?.file).toBe(schemaFileFor(type));
      expect(committed(schemaFileFor(type))).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: type,
        type: 'object',
      });
    }
    expect(Object.keys(index.types).sort()).toEqual(Object.keys(EVENT_TYPES).sort());
  });

  it('matches what the generator produces now (run the generator after changing a contract)', () => {
    expect(staleSchemaFiles()).toEqual([]);
  });

  it('is byte-for-byte stable across runs and ends every file with a newline', () => {
    const first = generateSchemaFiles();
    const second = generateSchemaFiles();
    expect([...first]).toEqual([...second]);
    for (const content of first.values()) expect(content.endsWith('}\n')).toBe(true);
  });

  it.each(Object.entries(samples))('accepts a valid %s sample in both zod and the generated schema', (type, sample) => {
    expect(EVENT_TYPES[type as EventType].schema.safeParse(sample).success).toBe(true);
    expect(structuralProblems(committed(schemaFileFor(type)), sample)).toEqual([]);
  });

  it('notices what the zod schema refuses: a missing field and an undeclared one', () => {
    const schema = committed(schemaFileFor(EventTypes.VoteCast));
    const { digest: _omitted, ...withoutDigest } = samples[EventTypes.VoteCast]!;
    expect(structuralProblems(schema, { ...withoutDigest, approver: 'me' })).toEqual(['missing digest', 'undeclared approver']);
    expect(structuralProblems(schema, { ...samples[EventTypes.VoteCast], decision: 'maybe' })).toEqual([
      'decision is not one of approve, deny',
    ]);
  });

  it('describes every envelope attribute and requires the signature attributes', () => {
    const schema = committed(ENVELOPE_FILE);
    expect(Object.keys(schema.properties)).toEqual(Object.keys(EnvelopeSchema.shape));
    expect(schema.required).toEqual(
      expect.arrayContaining(['specversion', 'id', 'type', 'subject', 'time', 'signer', 'keyid', 'signature']),
    );
    expect(schema.required).not.toContain('correlationid');
    expect(schema.additionalProperties).toBe(false);
  });
});
