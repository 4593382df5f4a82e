import { actionAdapters } from './adapters';

describe('the executor’s action adapters', () => {
  it('runs http.request, payment.transfer, postgres.sql and ssh.command, each under its own kind', () => {
    const adapters = actionAdapters({ 'demo-target': 'http://127.0.0.1:4380', 'demo-ssh': 'ssh://127.0.0.1:2222' });
    expect([...adapters.keys()].sort()).toEqual(['http.request', 'payment.transfer', 'postgres.sql', 'ssh.command']);
    for (const [kind, adapter] of adapters) expect(adapter.kind).toBe(kind);
  });

  it('refuses a targets file it cannot use', () => {
    expect(() => actionAdapters({ 'demo-target': 'ftp://example.test' })).toThrow(/http/);
  });
});
