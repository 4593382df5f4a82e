import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { locationOf, type PolicyError } from '@countersign/policy';
import { CEDAR_SCHEMA } from './cedar.schema';

/** A Cedar policy file that parsed, validated against the schema, and is ready to evaluate. */
export interface CompiledCedar {
  file: string;
  /** Policy id (its `@id` annotation) -> policy text. */
  policies: Readonly<Record<string, string>>;
  /** The name the set is preparsed under inside the WebAssembly module. */
  setId: string;
  /**
   * Some policy names a requester, approver, policy or request by its id (`Approver::"alice"`):
   * that entity's data may then matter to any question, so each is asked with every entity.
   * Otherwise a question is asked with only the entities it can reach (cedar.authorize.ts).
   */
  namesEntities: boolean;
}

export type CedarCompilation = { ok: true; cedar: CompiledCedar } | { ok: false; errors: PolicyError[] };

/** Policy ids appear in every decision's stamp (`cedar:Approve:allow:<id>`), so they stay short and plain. */
const POLICY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const SCHEMA_ID = 'countersign';

interface Part {
  text: string;
  /** Where the policy starts in the file. */
  offset: number;
}

/**
 * Parses a Cedar policy file, names each policy by its `@id("...")`, validates it against
 * CEDAR_SCHEMA and preparses it under `setId`. Every error names the file, line and column.
 */
export function compileCedar(text: string, file: string, setId: string): CedarCompilation {
  const errorAt = (offset: number, path: string, code: string, message: string): PolicyError => ({
    file,
    ...locationOf(text, offset),
    path,
    code,
    message,
  });
  const parsed = cedar.checkParsePolicySet({ staticPolicies: text });
  if (parsed.type === 'failure') {
    return { ok: false, errors: parsed.errors.map((error) => errorAt(firstOffset(error), '(cedar)', 'cedar_syntax', describe(error))) };
  }
  const split = splitPolicies(text);
  if (!split.ok) return { ok: false, errors: [errorAt(0, '(cedar)', 'cedar_templates', split.message)] };
  const named = nameParts(split.parts, errorAt);
  if (!named.ok) return named;
  const errors = validate(named.policies, named.offsets, errorAt);
  if (errors.length > 0) return { ok: false, errors };
  preparse(setId, named.policies);
  return { ok: true, cedar: { file, policies: named.policies, setId, namesEntities: namesEntities(Object.values(named.policies)) } };
}

type ErrorAt = (offset: number, path: string, code: string, message: string) => PolicyError;

function splitPolicies(text: string): { ok: true; parts: Part[] } | { ok: false; message: string } {
  const answer = cedar.policySetTextToParts(text);
  if (answer.type === 'failure') return { ok: false, message: answer.errors.map(describe).join('; ') };
  if (answer.policy_templates.length > 0) return { ok: false, message: 'policy templates are not supported: write plain policies' };
  let cursor = 0;
  const parts = answer.policies.map((policy) => {
    const found = text.indexOf(policy, cursor);
    const offset = found < 0 ? cursor : found;
    cursor = offset + policy.length;
    return { text: policy, offset };
  });
  return { ok: true, parts };
}

type Named = { ok: true; policies: Record<string, string>; offsets: Record<string, number> } | { ok: false; errors: PolicyError[] };

function nameParts(parts: readonly Part[], errorAt: ErrorAt): Named {
  const policies: Record<string, string> = {};
  const offsets: Record<string, number> = {};
  const errors: PolicyError[] = [];
  parts.forEach((part, index) => {
    const id = annotatedId(part.text);
    const where = `policy ${index + 1}`;
    if (id === undefined) errors.push(errorAt(part.offset, where, 'cedar_id_missing', 'every policy needs an @id("...") annotation'));
    else if (!POLICY_ID.test(id))
      errors.push(errorAt(part.offset, where, 'cedar_id_invalid', `@id("${id}"): use lowercase letters, digits and dashes, at most 64`));
    else if (policies[id] !== undefined) errors.push(errorAt(part.offset, where, 'cedar_id_duplicate', `@id("${id}") is used twice`));
    else {
      policies[id] = part.text;
      offsets[id] = part.offset;
    }
  });
  if (parts.length === 0)
    errors.push(errorAt(0, '(cedar)', 'cedar_empty', 'no policies: Cedar denies everything, so nothing could ever be approved'));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, policies, offsets };
}

function annotatedId(policy: string): string | undefined {
  const json = cedar.policyToJson(policy);
  return json.type === 'success' ? json.json.annotations?.['id'] : undefined;
}

/** Entity types whose entities carry no data (no attributes, no parents) or are Cedar's own. */
const DATALESS_TYPES = new Set(['Group', 'Action']);

/** Whether any policy (as Cedar's JSON form) holds an entity literal of a type with data; unreadable counts as yes. */
function namesEntities(policies: readonly string[]): boolean {
  return policies.some((policy) => {
    const json = cedar.policyToJson(policy);
    return json.type !== 'success' || entityTypesIn(json.json).some((type) => !DATALESS_TYPES.has(type));
  });
}

/** Every `{type, id}` in a policy's JSON form: its entity literals, in the scope and in conditions. */
function entityTypesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(entityTypesIn);
  if (typeof value !== 'object' || value === null) return [];
  const { type, id } = value as { type?: unknown; id?: unknown };
  if (typeof type === 'string' && typeof id === 'string') return [type];
  return Object.values(value).flatMap(entityTypesIn);
}

function validate(policies: Record<string, string>, offsets: Record<string, number>, errorAt: ErrorAt): PolicyError[] {
  const answer = cedar.validate({ schema: CEDAR_SCHEMA, policies: { staticPolicies: policies } });
  if (answer.type === 'failure') return answer.errors.map((error) => errorAt(0, '(cedar)', 'cedar_invalid', describe(error)));
  return answer.validationErrors.map(({ policyId, error }) =>
    errorAt((offsets[policyId] ?? 0) + firstOffset(error), `policy "${policyId}"`, 'cedar_invalid', describe(error)),
  );
}

let schemaPreparsed = false;

function preparse(setId: string, policies: Record<string, string>): void {
  if (!schemaPreparsed) {
    const schema = cedar.preparseSchema(SCHEMA_ID, CEDAR_SCHEMA);
    if (schema.type === 'failure')
      throw new Error(`the built-in Cedar schema does not parse (this is a bug): ${schema.errors.map(describe).join('; ')}`);
    schemaPreparsed = true;
  }
  const answer = cedar.preparsePolicySet(setId, { staticPolicies: policies });
  if (answer.type === 'failure') throw new Error(`Cedar policies validated but do not preparse: ${answer.errors.map(describe).join('; ')}`);
}

function firstOffset(error: cedar.DetailedError): number {
  return error.sourceLocations?.[0]?.start ?? 0;
}

/** Cedar's message, its label at the spot, and its hint, on one line. */
export function describe(error: cedar.DetailedError): string {
  const label = error.sourceLocations?.find((location) => location.label)?.label;
  return [error.message, label ? `(${label})` : '', error.help ? `— ${error.help}` : ''].filter(Boolean).join(' ');
}
