import { createServiceLog, REDACTED, redactSecrets } from './logging';

describe('redactSecrets', () => {
  it('leaves a line without secrets as it is, without copying it', () => {
    const fields = { requestId: 'r-1', eventType: 'countersign.request.approved.v1', nested: { stream: 's', deeper: { count: 1 } } };
    expect(redactSecrets(fields)).toBe(fields);
  });

  it('redacts secret-named fields at the top level and two levels down, in copies, never in the caller’s objects', () => {
    const fields = {
      token: 'jwt',
      envelope: { signature: 'sig', data: { sealed: 'box', kept: 'k' } },
      req: { headers: { authorization: 'Bearer x', cookie: 'c', 'x-slack-signature': 'v0=1', accept: '*/*' } },
      items: [{ password: 'pw' }],
    };
    expect(redactSecrets(fields)).toEqual({
      token: REDACTED,
      envelope: { signature: REDACTED, data: { sealed: REDACTED, kept: 'k' } },
      req: { headers: { authorization: REDACTED, cookie: REDACTED, 'x-slack-signature': REDACTED, accept: '*/*' } },
      items: [{ password: REDACTED }],
    });
    expect(fields.envelope.signature).toBe('sig');
    expect(fields.items[0]!.password).toBe('pw');
  });

  it('goes no deeper than pino’s paths did (field, *.field, *.*.field)', () => {
    const fields = { a: { b: { c: { token: 'deep' } } } };
    expect(redactSecrets(fields)).toBe(fields);
  });

  it('keeps an error an error (message and stack) when one of its fields is redacted', () => {
    const error = Object.assign(new Error('refused'), { token: 'jwt' });
    const redacted = redactSecrets({ err: error }).err;
    expect(redacted).toBeInstanceOf(Error);
    expect(redacted.message).toBe('refused');
    expect(redacted.stack).toBe(error.stack);
    expect(redacted.token).toBe(REDACTED);
    expect(error.token).toBe('jwt');
  });

  it('does not walk byte arrays', () => {
    const fields = { payload: Buffer.from('secret bytes') };
    expect(redactSecrets(fields)).toBe(fields);
  });
});

describe('the service log', () => {
  it('redacts fields, mixin fields and child bindings alike', () => {
    const written: Array<Record<string, unknown>> = [];
    const log = createServiceLog('broker', { write: (line: string) => void written.push(JSON.parse(line) as Record<string, unknown>) });
    log.child({ credential: 'c', session: { secret: 's' } }).info({ nkey: 'SU', ok: true }, 'line');
    expect(written[0]).toMatchObject({ credential: REDACTED, session: { secret: REDACTED }, nkey: REDACTED, ok: true, msg: 'line' });
    expect(JSON.stringify(written[0])).not.toMatch(/"(c|s|SU)"/);
    log.child({ scope: 'a' }).child({ jwt: 'j' }).info('grandchild');
    expect(written[1]).toMatchObject({ scope: 'a', jwt: REDACTED, msg: 'grandchild' });
  });
});
