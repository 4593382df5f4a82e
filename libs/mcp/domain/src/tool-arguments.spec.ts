import { actionArgumentsSchema, parseArguments } from './tool-arguments';

describe('tool arguments at the gateway ingress', () => {
  const schema = actionArgumentsSchema('http.request');

  it('accepts what the contract accepts', () => {
    const parsed = parseArguments(schema, { parameters: { method: 'GET', path: '/' }, reason: 'look' });
    expect(parsed).toEqual({ ok: true, value: { parameters: { method: 'GET', path: '/' }, reason: 'look' } });
  });

  it('refuses nesting beyond the limit before the (recursive) schema reads it', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5_000; i += 1) deep = [deep];
    const parsed = parseArguments(schema, { parameters: { deep }, reason: 'r' });
    expect(parsed).toMatchObject({ ok: false, error: { error: 'input_limit', errors: [{ code: 'too_deep' }] } });
  });

  it('names each field the schema refuses, including registry facts the agent may not state', () => {
    const parsed = parseArguments(schema, { parameters: {}, reason: '', environment: 'dev' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.error).toBe('invalid_arguments');
    expect(parsed.error.errors.map((error) => `${error.path}:${error.code}`).sort()).toEqual([
      'arguments.reason:too_small',
      'arguments:unrecognized_keys',
    ]);
  });
});
