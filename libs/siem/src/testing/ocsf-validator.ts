import reference from './ocsf-classes.json';

/**
 * Checks an OCSF record against the reference data (`ocsf-classes.json`, extracted from the OCSF
 * schema at 1.9.0-dev, with the differences to the 1.8.0 release listed in ocsf.md applied here):
 * known class, required attributes, at-least-one constraints, no unknown attributes (no profiles
 * are named), scalar types, enum ids with consistent captions, `type_uid`, epoch-ms `time`, and
 * `metadata.version` / `metadata.product`.
 */
export interface OcsfProblem {
  path: string;
  message: string;
}

interface AttributeSpec {
  requirement?: string;
  type: string;
  kind?: string;
  array?: boolean;
  enum?: Record<string, string>;
  sibling?: string;
}
interface ClassSpec {
  name: string;
  category_uid: number;
  required_attributes: string[];
  attributes: Record<string, AttributeSpec>;
  constraints?: { at_least_one?: string[] };
}
interface ObjectSpec {
  attributes: Record<string, AttributeSpec>;
  optional_attributes?: Record<string, string>;
  constraints?: { at_least_one?: string[] };
}
interface TypeSpec {
  base: string;
  regex?: string;
  max_len?: number;
  range?: [number, number];
}

const CLASSES = reference.classes as unknown as Record<string, ClassSpec>;
const OBJECTS = reference.objects as unknown as Record<string, ObjectSpec>;
const TYPES = reference.types as unknown as Record<string, TypeSpec>;

/** ocsf.md, "Differences from 1.8.0": what the 1.9.0-dev data has that the release does not. */
const NOT_IN_1_8 = {
  classes: ['3007'],
  attributes: { '3003': ['groups', 'iam_roles'], '3004': ['updated_entity'], '3005': ['iam_role'], '2004': ['notes'] } as Record<
    string,
    string[]
  >,
  activities: { '3003': ['3'], '3005': ['3', '4'] } as Record<string, string[]>,
  required: { '3005': ['privileges'] } as Record<string, string[]>,
};

export const VALIDATED_VERSION = '1.8.0';
/** Plausible epoch milliseconds: after 2001-09-09 and before 2286. */
const MIN_MS = 1e12;
const MAX_MS = 1e13;

export function validateOcsf(event: unknown): OcsfProblem[] {
  const problems: OcsfProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(event)) return [{ path: '', message: 'not a JSON object' }];
  const classUid = String(event.class_uid);
  const spec = CLASSES[classUid];
  if (!spec || NOT_IN_1_8.classes.includes(classUid)) return [{ path: 'class_uid', message: `class ${classUid} is not in OCSF 1.8.0` }];
  const attributes = classAttributes(classUid, spec);
  const required = [...spec.required_attributes, ...(NOT_IN_1_8.required[classUid] ?? [])];
  checkContainer(
    event,
    '',
    attributes,
    required,
    spec.constraints?.at_least_one?.filter((name) => name in attributes),
    add,
  );
  if (event.type_uid !== Number(event.class_uid) * 100 + Number(event.activity_id))
    add('type_uid', `type_uid ${String(event.type_uid)} is not class_uid * 100 + activity_id`);
  if (event.category_uid !== spec.category_uid) add('category_uid', `class ${classUid} belongs to category ${spec.category_uid}`);
  checkMetadata(event.metadata, add);
  return problems;
}

function classAttributes(classUid: string, spec: ClassSpec): Record<string, AttributeSpec> {
  const removed = NOT_IN_1_8.attributes[classUid] ?? [];
  const attributes = Object.fromEntries(Object.entries(spec.attributes).filter(([name]) => !removed.includes(name)));
  const activity = attributes.activity_id;
  const removedActivities = NOT_IN_1_8.activities[classUid] ?? [];
  if (activity?.enum) {
    const allowed = Object.entries(activity.enum).filter(([id]) => !removedActivities.includes(id));
    attributes.activity_id = { ...activity, enum: Object.fromEntries(allowed) };
  }
  return attributes;
}

function checkMetadata(metadata: unknown, add: (path: string, message: string) => void): void {
  if (!isObject(metadata)) return;
  if (metadata.version !== VALIDATED_VERSION)
    add('metadata.version', `must be "${VALIDATED_VERSION}", is ${JSON.stringify(metadata.version)}`);
}

function checkContainer(
  value: Record<string, unknown>,
  path: string,
  attributes: Record<string, AttributeSpec>,
  required: string[],
  atLeastOne: string[] | undefined,
  add: (path: string, message: string) => void,
): void {
  for (const name of required) if (value[name] === undefined) add(join(path, name), 'required attribute missing');
  if (atLeastOne && atLeastOne.length > 0 && !atLeastOne.some((name) => value[name] !== undefined))
    add(path || '(root)', `needs at least one of ${atLeastOne.join(', ')}`);
  for (const [name, item] of Object.entries(value)) {
    const spec = attributes[name];
    if (!spec) add(join(path, name), 'unknown attribute (not in this class or object, and no profile is named)');
    else checkAttribute(item, join(path, name), spec, value, add);
  }
}

function checkAttribute(
  value: unknown,
  path: string,
  spec: AttributeSpec,
  container: Record<string, unknown>,
  add: (path: string, message: string) => void,
): void {
  if (spec.array) {
    if (!Array.isArray(value)) return add(path, 'must be an array');
    value.forEach((item, index) => checkSingle(item, `${path}[${index}]`, spec, add));
    return;
  }
  checkSingle(value, path, spec, add);
  if (spec.enum) checkEnum(value, path, spec, container, add);
}

function checkSingle(value: unknown, path: string, spec: AttributeSpec, add: (path: string, message: string) => void): void {
  if (spec.kind === 'object') return checkObject(value, path, spec.type, add);
  const type = TYPES[spec.type];
  if (!type) return add(path, `unknown type ${spec.type}`);
  const problem = scalarProblem(value, spec.type, type);
  if (problem) add(path, problem);
}

function scalarProblem(value: unknown, name: string, type: TypeSpec): string | undefined {
  switch (type.base) {
    case 'integer_t':
    case 'long_t':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `must be an integer (${name})`;
      if (name === 'timestamp_t' && (value < MIN_MS || value > MAX_MS)) return 'must be epoch milliseconds';
      if (type.range && (value < type.range[0] || value > type.range[1])) return `out of range ${type.range.join('..')}`;
      return undefined;
    case 'boolean_t':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'json_t':
      return undefined;
    default:
      if (typeof value !== 'string') return `must be a string (${name})`;
      if (type.max_len !== undefined && value.length > type.max_len) return `longer than ${type.max_len}`;
      if (type.regex && !new RegExp(type.regex).test(value)) return `does not match ${name}`;
      return undefined;
  }
}

function checkObject(value: unknown, path: string, type: string, add: (path: string, message: string) => void): void {
  if (!isObject(value)) return add(path, `must be an object (${type})`);
  if (type === 'object') return; // `unmapped`: free-form by definition
  const spec = OBJECTS[type];
  if (!spec) return add(path, `object type ${type} is not in the reference data, so it cannot be validated`);
  const attributes: Record<string, AttributeSpec> = { ...spec.attributes };
  for (const [name, declared] of Object.entries(spec.optional_attributes ?? {})) attributes[name] ??= optionalSpec(declared);
  const required = Object.entries(spec.attributes)
    .filter(([, attribute]) => attribute.requirement === 'required')
    .map(([name]) => name);
  checkContainer(value, path, attributes, required, spec.constraints?.at_least_one, add);
}

function optionalSpec(declared: string): AttributeSpec {
  const match = /^array<(.+)>$/.exec(declared);
  const type = match ? match[1]! : declared;
  return { type, ...(TYPES[type] ? {} : { kind: 'object' }), ...(match ? { array: true } : {}) };
}

function checkEnum(
  value: unknown,
  path: string,
  spec: AttributeSpec,
  container: Record<string, unknown>,
  add: (path: string, message: string) => void,
): void {
  const caption = spec.enum?.[String(value)];
  if (caption === undefined) return add(path, `${String(value)} is not one of ${Object.keys(spec.enum ?? {}).join(', ')}`);
  if (!spec.sibling) return;
  const sibling = container[spec.sibling];
  const siblingPath = path.replace(/[^.]+$/, spec.sibling);
  if (Number(value) === 99) {
    if (typeof sibling !== 'string' || sibling === '') add(siblingPath, 'id 99 (Other) needs the source label in its caption');
  } else if (sibling !== undefined && sibling !== caption) add(siblingPath, `caption must be "${caption}" for id ${String(value)}`);
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
