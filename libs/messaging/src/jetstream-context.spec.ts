import { lastValueFrom } from 'rxjs';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { JetStreamErrorFilter, TerminalMessageError, terminalVerdict } from './jetstream-context';

const errors = [{ path: 'data.requestId', code: 'not_found', message: 'unknown request' }];
const host = new ExecutionContextHost([]);

/** What the transport receives after an error went through a Nest exception filter. */
async function throughFilter(filter: { catch(error: unknown, host: ExecutionContextHost): unknown }, error: unknown): Promise<unknown> {
  return lastValueFrom(filter.catch(error, host) as never).catch((filtered: unknown) => filtered);
}

describe('terminalVerdict', () => {
  it('reads a TerminalMessageError thrown directly', () => {
    expect(terminalVerdict(new TerminalMessageError('unknown_request', 'no such request', errors))).toEqual({
      code: 'unknown_request',
      message: 'no such request',
      errors,
    });
  });

  it("survives Nest's default RPC exception filter", async () => {
    const filtered = await throughFilter(new BaseRpcExceptionFilter(), new TerminalMessageError('unknown_request', 'no such request'));
    expect(terminalVerdict(filtered)).toEqual({ code: 'unknown_request', message: 'no such request' });
  });

  it('is undefined for ordinary errors, with or without the pass-through filter', async () => {
    expect(terminalVerdict(new Error('boom'))).toBeUndefined();
    expect(terminalVerdict({ status: 'error', message: 'Internal server error' })).toBeUndefined();
    const original = new Error('boom');
    expect(await throughFilter(new JetStreamErrorFilter(), original)).toBe(original);
  });
});
