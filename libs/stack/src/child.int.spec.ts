import { SERVICE_ENV, spawnManaged } from './child';

/** Prints what glibc was started with, as its ready line, and exits. */
const PROBE = `console.log('COUNTERSIGN_READY arenas=' + process.env.MALLOC_ARENA_MAX)`;

const readyLine = (env: NodeJS.ProcessEnv) =>
  spawnManaged('probe', ['-e', PROBE], env, /COUNTERSIGN_READY/, () => undefined, process.cwd()).ready;

describe('spawnManaged', () => {
  it('starts every process with SERVICE_ENV (two malloc arenas) unless its own environment says otherwise', async () => {
    const { MALLOC_ARENA_MAX: _unset, ...parent } = process.env;
    expect(SERVICE_ENV).toEqual({ MALLOC_ARENA_MAX: '2' });
    await expect(readyLine(parent)).resolves.toBe('COUNTERSIGN_READY arenas=2');
    await expect(readyLine({ ...parent, MALLOC_ARENA_MAX: '4' })).resolves.toBe('COUNTERSIGN_READY arenas=4');
  });
});
