#!/usr/bin/env node
// Runs one Countersign process from source: node scripts/service.js <intake|approval|broker|executor|audit|slack-edge|demo-target|siem-forwarder|mcp-gateway>
const path = require('node:path');

const root = path.join(__dirname, '..');
const known = ['intake', 'approval', 'broker', 'executor', 'audit', 'slack-edge', 'demo-target', 'siem-forwarder', 'mcp-gateway'];
const name = process.argv[2];
if (!known.includes(name)) {
  console.error(`usage: node scripts/service.js <${known.join('|')}>`);
  process.exit(2);
}
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(root, 'tsconfig.json');
require('@swc-node/register');
require(path.join(root, 'apps', name, 'src', 'main.ts'));
