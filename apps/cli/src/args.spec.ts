import { flag, parseCommandLine, positiveInteger, requiredString, splitCommand, stringList } from './args';
import { UsageError } from './context';

describe('splitCommand', () => {
  it('finds the command after global options and their values', () => {
    expect(splitCommand(['--home', '/h', '--json', 'status', 'abc'])).toEqual({
      command: 'status',
      rest: ['--home', '/h', '--json', 'abc'],
    });
    expect(splitCommand(['--nats=nats://x:1', 'vote', '--as', 'alice'])).toEqual({
      command: 'vote',
      rest: ['--nats=nats://x:1', '--as', 'alice'],
    });
  });

  it('does not mistake a global option value for the command', () => {
    expect(splitCommand(['--home', 'submit', 'audit', 'verify']).command).toBe('audit');
  });

  it('reports no command when there is none', () => {
    expect(splitCommand(['--json', '--help'])).toEqual({ rest: ['--json', '--help'] });
  });
});

describe('parseCommandLine', () => {
  const options = { as: { type: 'string' }, param: { type: 'string', multiple: true }, wait: { type: 'boolean' } } as const;

  it('merges global and command options wherever they appear', () => {
    const line = parseCommandLine(['--as', 'deploy-bot', '--json', '--param', 'a=1', '--param', 'b=2', 'extra', '--home', '/h'], options);
    expect(line.positionals).toEqual(['extra']);
    expect(requiredString(line.values, 'as')).toBe('deploy-bot');
    expect(stringList(line.values, 'param')).toEqual(['a=1', 'b=2']);
    expect(flag(line.values, 'json')).toBe(true);
    expect(flag(line.values, 'wait')).toBe(false);
  });

  it('refuses unknown options as a usage error naming the command', () => {
    expect(() => parseCommandLine(['--colour', 'red'], options, 'submit')).toThrow(
      expect.objectContaining({ name: 'UsageError', command: 'submit', exitCode: 2 }),
    );
    expect(() => parseCommandLine(['--as'], options)).toThrow(UsageError);
  });

  it('requires required options and whole positive numbers', () => {
    const line = parseCommandLine(['--timeout', '1.5'], { timeout: { type: 'string' } });
    expect(() => requiredString(line.values, 'as')).toThrow('--as is required');
    expect(() => positiveInteger(line.values, 'timeout')).toThrow("--timeout must be a positive whole number, got '1.5'");
    expect(positiveInteger(parseCommandLine(['--timeout', '30'], { timeout: { type: 'string' } }).values, 'timeout')).toBe(30);
  });
});
