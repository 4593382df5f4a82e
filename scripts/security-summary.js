#!/usr/bin/env node
'use strict';
// The security suite's report, printed after Jest by `npm run test:security`:
//   node scripts/security-summary.js --reset      empties the results before the run
//   node scripts/security-summary.js <jest-code>  prints the table, then ONE JSON line, last:
//   {"attacks":N,"rejected":N,"audited":N,"auditable":N,"executions_caused":N}
// Each spec in test/security appends one line per attack class to the results file
// (test/security/report.ts). A spec cannot print this itself: Jest prints its own summary after
// the last spec, so only a step after Jest can have the last line.
// Exit code: Jest's when it failed; otherwise 1 unless every attack was rejected and none caused
// an execution.
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const FILE = join(__dirname, '..', 'test-results', 'security', 'attacks.jsonl');

if (process.argv[2] === '--reset') {
  rmSync(FILE, { force: true });
  process.exit(0);
}

const jestCode = Number(process.argv[2] ?? 0) || 0;
const rows = existsSync(FILE)
  ? readFileSync(FILE, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line))
  : [];

const sum = (key) => rows.reduce((total, row) => total + row[key], 0);
const totals = {
  attacks: sum('tried'),
  rejected: sum('rejected'),
  audited: sum('audited'),
  auditable: sum('auditable'),
  executions_caused: sum('executions'),
};

const columns = [
  ['suite', (row) => row.suite],
  ['attack', (row) => row.attack],
  ['layer', (row) => row.layer],
  ['tried', (row) => String(row.tried)],
  ['rejected', (row) => String(row.rejected)],
  ['audited', (row) => (row.auditable === 0 ? '- (bus/offline)' : `${row.audited}/${row.auditable}`)],
  ['executions', (row) => String(row.executions)],
  ['', (row) => (row.rejected < row.tried || row.executions > 0 || row.audited < row.auditable ? '<-- FAILS' : '')],
];
const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, cell]) => cell(row)))];
const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index].length)));
const print = (line) =>
  console.log(
    line
      .map((cell, index) => cell.padEnd(widths[index]))
      .join('  ')
      .trimEnd(),
  );

console.log('\nSecurity suite: attacks tried, rejected and audited');
print(cells[0]);
print(widths.map((width) => '-'.repeat(width)));
for (const line of cells.slice(1)) print(line);
const notes = rows.filter((row) => row.notes && row.notes.length > 0);
if (notes.length > 0) {
  console.log('\nNotes (seeds reproduce with SECURITY_SEED=<seed>):');
  for (const row of notes) console.log(`  ${row.attack}: ${row.notes.filter(Boolean).join('; ')}`);
}
if (rows.length === 0) console.log(`no results in ${FILE}: did the security specs run?`);
console.log(JSON.stringify(totals));

const clean = rows.length > 0 && totals.rejected === totals.attacks && totals.executions_caused === 0;
process.exitCode = jestCode !== 0 ? jestCode : clean ? 0 : 1;
