import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** scripts/built.js: which JavaScript a process runs, the build in dist/ or the TypeScript sources. */
interface Entry {
  mode: 'built' | 'source';
  file: string;
}
interface Built {
  MANIFEST: string;
  resolveEntry(name: string, source: string, env: Record<string, string>, root: string): Entry;
  sha256(file: string): string;
}
const built = jest.requireActual<Built>('../scripts/built.js');

const SOURCE = 'apps/intake/src/main.ts';
const BUILT = 'dist/apps/intake/apps/intake/src/main.js';
const IMPORTED = 'libs/contracts/src/index.ts';

describe('scripts/built.js', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  /** A build of intake made from the files as they are now. */
  const build = () => {
    write(BUILT, 'exports.built = true;\n');
    const inputs = Object.fromEntries([SOURCE, IMPORTED, '.swcrc'].map((file) => [file, built.sha256(join(root, file))]));
    write(`dist/apps/intake/${built.MANIFEST}`, JSON.stringify({ inputs }));
  };
  const resolve = (env: Record<string, string> = {}) => built.resolveEntry('intake', SOURCE, env, root);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'countersign-built-'));
    write(SOURCE, 'export const source = true;\n');
    write(IMPORTED, 'export const contract = 1;\n');
    write('.swcrc', '{}');
    write('tsconfig.json', '{}');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs the sources when there is no build', () => {
    expect(resolve()).toEqual({ mode: 'source', file: join(root, SOURCE) });
  });

  it('runs a fresh build', () => {
    build();
    expect(resolve()).toEqual({ mode: 'built', file: join(root, BUILT) });
  });

  it.each([
    ['the entry changed', () => write(SOURCE, 'export const source = false;\n')],
    ['a file it imports changed', () => write(IMPORTED, 'export const contract = 2;\n')],
    ['a file it imports was deleted', () => rmSync(join(root, IMPORTED))],
    ['the compiler settings changed', () => write('.swcrc', '{"minify":true}')],
  ])('never runs a stale build: %s', (_, change) => {
    build();
    change();
    expect(resolve()).toEqual({ mode: 'source', file: join(root, SOURCE) });
    expect(() => resolve({ COUNTERSIGN_RUN_FROM: 'built' })).toThrow(/missing or stale/);
  });

  it('obeys COUNTERSIGN_RUN_FROM', () => {
    build();
    expect(resolve({ COUNTERSIGN_RUN_FROM: 'source' }).mode).toBe('source');
    expect(resolve({ COUNTERSIGN_RUN_FROM: 'built' }).mode).toBe('built');
    expect(() => resolve({ COUNTERSIGN_RUN_FROM: 'fastest' })).toThrow(/auto, built or source/);
  });

  it.each([
    ['the sources are absent', () => rmSync(join(root, 'apps'), { recursive: true })],
    // The image copies deploy/, which holds provision-acls.ts, but not the TypeScript workspace.
    ['the entry is there but not the workspace (tsconfig.json)', () => rmSync(join(root, 'tsconfig.json'))],
  ])('runs the build, fresh or not, where %s, as in the image', (_, change) => {
    build();
    write(IMPORTED, 'export const contract = 2;\n');
    change();
    expect(resolve()).toEqual({ mode: 'built', file: join(root, BUILT) });
  });

  it('refuses to start when neither the sources nor a build are there', () => {
    rmSync(join(root, 'apps'), { recursive: true });
    expect(() => resolve()).toThrow(/neither the source nor its build/);
  });

  it('inside a build output (the npm package) runs the files next to it', () => {
    write(built.MANIFEST, '{}');
    expect(resolve()).toEqual({ mode: 'built', file: join(root, 'apps/intake/src/main.js') });
  });
});
