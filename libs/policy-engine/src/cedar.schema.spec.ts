import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CEDAR_SCHEMA } from './cedar.schema';

interface AttributeJson {
  type: string;
  name?: string;
  attributes?: Record<string, AttributeJson>;
  element?: AttributeJson;
}
interface EntityTypeJson {
  memberOfTypes?: string[];
  shape?: { attributes?: Record<string, AttributeJson> };
}

/** Every attribute path (`Request.requester`) whose type names one of the schema's entity types. */
function entityReferences(types: Record<string, EntityTypeJson>): string[] {
  const names = new Set(Object.keys(types));
  const found: string[] = [];
  const walk = (path: string, attribute: AttributeJson): void => {
    if (attribute.name !== undefined && names.has(attribute.name)) found.push(path);
    if (attribute.element) walk(`${path}[]`, attribute.element);
    for (const [key, inner] of Object.entries(attribute.attributes ?? {})) walk(`${path}.${key}`, inner);
  };
  for (const [type, spec] of Object.entries(types))
    for (const [key, attribute] of Object.entries(spec.shape?.attributes ?? {})) walk(`${type}.${key}`, attribute);
  return found;
}

/**
 * authorize() sends each question only its principal, the request and the requester it points at,
 * and memoizes answers without the request id (cedar.authorize.ts). That is sound only while no
 * other entity can be reached from those: an entity the schema lets a policy reach but that is not
 * sent would make `has` false and `in` false, and a forbid on it would silently not fire. A schema
 * change that adds such a path fails here first.
 */
describe('the Cedar schema, as authorize() relies on it', () => {
  const converted = cedar.schemaToJson(CEDAR_SCHEMA);
  if (converted.type !== 'success') throw new Error('CEDAR_SCHEMA does not convert to JSON');
  const types = (converted.json as unknown as Record<string, { entityTypes: Record<string, EntityTypeJson> }>)['']!.entityTypes;

  it('lets a policy reach another entity only through Request.requester', () => {
    expect(entityReferences(types)).toEqual(['Request.requester']);
  });

  it('gives parents to approvers alone, and only groups (which carry no data)', () => {
    const withParents = Object.entries(types).filter(([, spec]) => (spec.memberOfTypes ?? []).length > 0);
    expect(withParents.map(([type, spec]) => [type, spec.memberOfTypes])).toEqual([['Approver', ['Group']]]);
    expect(types.Group?.shape?.attributes ?? {}).toEqual({});
  });
});
