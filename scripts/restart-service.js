#!/usr/bin/env node
// Restarts one service of a running `npm start` stack: node scripts/restart-service.js <name>
// It asks the process to stop (SIGTERM: in-flight messages settle, the store closes cleanly); the
// stack's supervisor sees an exit it did not ask for and starts the service again.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const known = ['intake', 'approval', 'broker', 'executor', 'audit', 'slack-edge', 'demo-target'];
const name = process.argv[2];
if (!known.includes(name)) {
  console.error(`usage: node scripts/restart-service.js <${known.join('|')}>`);
  process.exit(2);
}
const home = process.env.COUNTERSIGN_HOME || path.join(root, '.countersign');
const pidFile = path.join(home, 'run', `${name}.pid`);
let pid;
try {
  pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
} catch {
  console.error(`${name} is not running under npm start (no ${pidFile})`);
  process.exit(1);
}
// A stale pid file must not make us signal some unrelated process that reused the id.
try {
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmdline.includes('service.js') || !cmdline.includes(name)) {
    console.error(`pid ${pid} in ${pidFile} is not the ${name} service; not signalling it`);
    process.exit(1);
  }
} catch {
  // No /proc (macOS): rely on the pid file, which the supervisor removes when the process exits.
}
try {
  process.kill(pid, 'SIGTERM');
} catch (error) {
  console.error(`could not signal ${name} (pid ${pid}): ${error.message}`);
  process.exit(1);
}
console.log(`asked ${name} (pid ${pid}) to stop; the supervisor starts it again (see the npm start log)`);
