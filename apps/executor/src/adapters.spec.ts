import { actionAdapters } from './adapters';

describe('the executor’s action adapters', () => {
  it('runs http.request, payment.transfer and postgres.sql, each under its own kind', () => {
    const adapters = actionAdapters({ 'demo-target': 'http://127.0.0.1:4380' });
    expect([...adapters.keys()].sort()).toEqual(['http.request', 'payment.transfer', 'postgres.sql']);
    for (const [kind, adapter] of adapters) expect(adapter.kind).toBe(kind);
  });

  it('refuses a targets file it cannot use', () => {
    expect(() => actionAdapters({ 'demo-target': 'ftp://example.test' })).toThrow(/http/);
  });
});
