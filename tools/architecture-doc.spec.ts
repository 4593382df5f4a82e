import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * docs/architecture.md's module-boundaries table is what a newcomer trusts about which project may
 * import which; it is checked against every project.json so it cannot drift from the tags lint uses.
 */
const root = join(__dirname, '..');

interface ProjectRow {
  name: string;
  path: string;
  tags: string[];
}

function projectFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return projectFiles(path);
    return entry === 'project.json' ? [path] : [];
  });
}

function projects(): ProjectRow[] {
  return ['apps', 'libs', 'test', 'tools', 'deploy']
    .flatMap((top) => projectFiles(join(root, top)))
    .map((file) => {
      const project = JSON.parse(readFileSync(file, 'utf8')) as { name: string; tags?: string[] };
      return { name: project.name, path: relative(root, join(file, '..')), tags: [...(project.tags ?? [])].sort() };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

function documentedRows(): ProjectRow[] {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Module boundaries'), doc.indexOf('The rules:'));
  const code = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
  return section
    .split('\n')
    .filter((line) => /^\| [a-z]/.test(line) && !line.startsWith('| project '))
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map(([, name, path, tags]) => ({ name: name!, path: code(path!)[0]!, tags: code(tags!).sort() }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

describe('docs/architecture.md module boundaries', () => {
  it('lists every Nx project with the tags its project.json gives it, and nothing else', () => {
    expect(documentedRows()).toEqual(projects());
  });

  // The module-boundary rule skips a file no project owns, so a new directory of code without a
  // project.json would be a hole. Ambient declarations (*.d.ts) import nothing.
  it('puts every TypeScript file in a project, so the boundary rule sees every import', () => {
    const roots = projects().map((project) => `${project.path}/`);
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((file) => !roots.some((projectRoot) => file.startsWith(projectRoot)))).toEqual([]);
  });
});
