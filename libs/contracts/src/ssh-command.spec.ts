import { parseSshCommandParameters, sshEndpoint, sshTargetProblem } from './ssh-command';
import { TargetRegistryDocument } from './target-registry';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjm6xbB8oXvcI1pVb5k5Hf49stV32OC43R4kcjAd9ni';
const sshTarget = {
  name: 'ops-box',
  environment: 'production',
  dataSensitivity: 'internal',
  ownerTeam: 'platform',
  kinds: ['ssh.command'],
  address: 'ssh://127.0.0.1:2222',
  requesters: ['deploy-bot'],
  ssh: { principals: ['cs-runner'], hostKey: HOST_KEY },
};

describe('ssh.command parameters', () => {
  it('accepts one visible line, a POSIX account and a bounded capture', () => {
    expect(parseSshCommandParameters({ command: 'systemctl restart app', principal: 'cs-runner', captureOutputBytes: 100 })).toEqual({
      ok: true,
      value: { command: 'systemctl restart app', principal: 'cs-runner', captureOutputBytes: 100 },
    });
  });

  it.each([
    [{ command: 'echo a\necho b', principal: 'cs-runner' }, 'parameters.command'],
    [{ command: '   ', principal: 'cs-runner' }, 'parameters.command'],
    [{ command: 'true', principal: 'Root' }, 'parameters.principal'],
    [{ command: 'true', principal: 'cs-runner', captureOutputBytes: 5000 }, 'parameters.captureOutputBytes'],
    [{ command: 'true', principal: 'cs-runner', pty: true }, 'parameters'],
  ])('refuses %j (%s)', (candidate, path) => {
    const parsed = parseSshCommandParameters(candidate);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(path);
  });
});

describe('SSH target registration', () => {
  it('reads host and port from an ssh:// address, nothing else', () => {
    expect(sshEndpoint('ssh://127.0.0.1:2222')).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(sshEndpoint('ssh://box.internal')).toEqual({ host: 'box.internal', port: 22 });
    expect(sshEndpoint('ssh://root@box.internal')).toBeUndefined();
    expect(sshEndpoint('http://box.internal')).toBeUndefined();
  });

  it('admits only the registered principals', () => {
    expect(sshTargetProblem(sshTarget, { command: 'true', principal: 'cs-runner' })).toBeUndefined();
    expect(sshTargetProblem(sshTarget, { command: 'true', principal: 'root' })).toBe('target ops-box does not let a request act as root');
  });

  it('requires SSH settings and an ssh:// address of a target that accepts ssh.command, and only of one', () => {
    expect(TargetRegistryDocument.safeParse({ targets: [sshTarget] }).success).toBe(true);
    const { ssh: _omitted, ...bare } = sshTarget;
    const cases = [bare, { ...sshTarget, address: 'http://127.0.0.1:2222' }, { ...sshTarget, kinds: ['http.request'] }];
    for (const target of cases) expect(TargetRegistryDocument.safeParse({ targets: [target] }).success).toBe(false);
  });
});
