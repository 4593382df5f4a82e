import { formatFieldErrors, formatRows, Output, type Io } from './output';

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (text: string) => void (io.out += text), stderr: (text: string) => void (io.err += text) };
  return io;
}

describe('Output', () => {
  it('prints human lines, or one JSON document per result with --json', () => {
    const human = capture();
    new Output(human, false).result({ id: 1 }, () => ['line one', 'line two']);
    expect(human.out).toBe('line one\nline two\n');
    const json = capture();
    new Output(json, true).result({ id: 1 }, () => ['ignored']);
    expect(json.out).toBe('{"id":1}\n');
  });

  it('keeps errors on stderr, with field errors one per line', () => {
    const human = capture();
    new Output(human, false).error('invalid submission', [{ path: 'action.target', code: 'invalid_format', message: 'lowercase letters' }]);
    expect(human).toMatchObject({ out: '', err: 'error: invalid submission\n  action.target: lowercase letters [invalid_format]\n' });
    const json = capture();
    new Output(json, true).error('invalid submission', [{ path: 'reason', code: 'invalid_type', message: 'required' }]);
    expect(JSON.parse(json.err)).toEqual({
      error: 'invalid submission',
      details: [{ path: 'reason', code: 'invalid_type', message: 'required' }],
    });
  });

  it('formats aligned rows and field errors', () => {
    expect(
      formatRows([
        ['a', '1'],
        ['long label', '2'],
      ]),
    ).toEqual(['a:          1', 'long label: 2']);
    expect(formatFieldErrors([{ path: 'digest', code: 'invalid_format', message: 'a lowercase hex SHA-256 digest' }])).toEqual([
      '  digest: a lowercase hex SHA-256 digest [invalid_format]',
    ]);
  });
});
