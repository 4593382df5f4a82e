import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Spec helpers: the specs under tools/ read the repository's own files: configuration that cannot run here. */
export const REPO_ROOT = join(__dirname, '..');

export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

interface YamlParser {
  safeLoad?: (text: string) => unknown;
  load: (text: string) => unknown;
}

/**
 * YAML through js-yaml, which is already installed (through Jest and ESLint) and is not a
 * dependency of its own; either major version (`safeLoad` in 3, `load` in 4).
 */
export function parseYaml(text: string): unknown {
  const yaml = jest.requireActual<YamlParser>('js-yaml');
  return (yaml.safeLoad ?? yaml.load)(text);
}
