#!/usr/bin/env node
// `npm start`: sets up what a fresh machine lacks, then runs the local stack (tools/start.ts).
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const setup = spawnSync('bash', [path.join(__dirname, 'ensure-prerequisites.sh')], { cwd: root, stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const stack = spawn(process.execPath, [path.join(__dirname, 'run-ts.js'), path.join(root, 'tools', 'start.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
// Stay alive until the stack has shut down: pass Ctrl-C or a TERM on instead of dying first.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stack.kill(signal));
stack.on('exit', (code) => process.exit(code ?? 0));
