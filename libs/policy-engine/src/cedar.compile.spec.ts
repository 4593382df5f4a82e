import { formatPolicyErrors } from '@countersign/policy';
import { compileCedar } from './cedar.compile';

const VALID = `// a comment
@id("anyone-may-ask")
permit (principal is Requester, action == Action::"Request", resource is Request);

@id("no-auto-in-production")
forbid (principal is Policy, action == Action::"AutoApprove", resource is Request)
when { resource.environment == "production" };
`;

describe('compileCedar', () => {
  it('names each policy by its @id', () => {
    const compiled = compileCedar(VALID, 'p.cedar', 'compile-spec-valid');
    expect(compiled.ok && Object.keys(compiled.cedar.policies)).toStrictEqual(['anyone-may-ask', 'no-auto-in-production']);
  });

  it.each<[string, string, RegExp]>([
    // [why, text, expected formatted error]
    [
      'a syntax error',
      'permit (principal, action, resource)\nwhen { resource.kind == };',
      /^p\.cedar:2:25: \(cedar\): .*unexpected token .*\(cedar_syntax\)$/,
    ],
    [
      'a policy without @id',
      `${VALID}\npermit (principal, action, resource);`,
      /^p\.cedar:9:1: policy 3: every policy needs an @id\("\.\.\."\) annotation \(cedar_id_missing\)$/,
    ],
    [
      'a duplicate @id',
      `${VALID}\n@id("anyone-may-ask")\npermit (principal, action, resource);`,
      /^p\.cedar:9:1: policy 3: @id\("anyone-may-ask"\) is used twice/,
    ],
    [
      'an @id unfit for a stamp',
      '@id("Has Spaces")\npermit (principal, action, resource);',
      /^p\.cedar:1:1: policy 1: @id\("Has Spaces"\): use lowercase/,
    ],
    [
      'a misspelt attribute (schema validation)',
      `${VALID}\n@id("typo")\nforbid (principal, action, resource is Request)\nwhen { resource.enviroment == "qa" };`,
      /^p\.cedar:11:8: policy "typo": .*attribute `enviroment` on entity type `Request` not found .*did you mean `environment`\? \(cedar_invalid\)$/,
    ],
    [
      'an optional attribute used unguarded',
      '@id("amount")\npermit (principal, action, resource is Request)\nwhen { resource.amount.greaterThan(decimal("1.0")) };',
      /^p\.cedar:3:8: policy "amount": .*`amount`/,
    ],
    ['an unknown action', '@id("x")\npermit (principal, action == Action::"Execute", resource);', /^p\.cedar:.*policy "x": .*Execute/],
    ['an empty file', '// nothing here\n', /no policies: Cedar denies everything/],
    ['a template', '@id("t")\npermit (principal == ?principal, action, resource);', /p\.cedar:1:1: .*includes a template/],
  ])('refuses %s, naming file and line', (_why, text, expected) => {
    const compiled = compileCedar(text, 'p.cedar', 'compile-spec-bad');
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(formatPolicyErrors(compiled.errors)).toMatch(expected);
  });

  it.each<[string, string, boolean]>([
    [
      'names only groups and actions',
      `${VALID}\n@id("sre")\npermit (principal in Group::"sre", action == Action::"Approve", resource);`,
      false,
    ],
    ['names an approver', `${VALID}\n@id("dave")\nforbid (principal == Approver::"dave", action == Action::"Approve", resource);`, true],
    [
      'names a requester in a condition',
      `${VALID}\n@id("bot")\nforbid (principal, action, resource is Request) when { resource.requester == Requester::"bot" };`,
      true,
    ],
    ['names a request', `${VALID}\n@id("one")\nforbid (principal, action, resource == Request::"r-1");`, true],
  ])('marks a set that %s: namesEntities=%s', (_why, text, names) => {
    const compiled = compileCedar(text, 'p.cedar', `compile-spec-names-${String(names)}-${text.length}`);
    expect(compiled.ok && compiled.cedar.namesEntities).toBe(names);
  });
});
