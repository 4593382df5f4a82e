import { actionAdapters } from './adapters';

describe('the executor’s action adapters', () => {
  it('runs http.request and payment.transfer, each under its own kind', () => {
    const adapters = actionAdapters({ 'demo-target': 'http://127.0.0.1:4380' });
    expect([...adapters.keys()].sort()).toEqual(['http.request', 'payment.transfer']);
    for (const [kind, adapter] of adapters) expect(adapter.kind).toBe(kind);
  });

  it('refuses a targets file it cannot use', () => {
    expect(() => actionAdapters({ 'demo-target': 'ftp://example.test' })).toThrow(/http/);
  });
});
