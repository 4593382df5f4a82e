#!/usr/bin/env node
// Runs one Countersign process: node scripts/service.js <intake|approval|broker|executor|audit|slack-edge|demo-target|siem-forwarder|mcp-gateway>
// Its build in dist/ when that is fresh (or the only thing here, as in the image), else the
// TypeScript sources; COUNTERSIGN_RUN_FROM=built|source forces one (scripts/built.js).
const { SERVICES, requireEntry } = require('./built');

const name = process.argv[2];
if (!SERVICES.includes(name)) {
  console.error(`usage: node scripts/service.js <${SERVICES.join('|')}>`);
  process.exit(2);
}
requireEntry(name, `apps/${name}/src/main.ts`);
