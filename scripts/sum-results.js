// Sums Jest --json result files into the closing line CI reads: "N passed, N failed[, N skipped]".
// A suite that failed to run at all (a compile error, a crash) counts as one failure.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2] ?? 'test-results';
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  totals.passed += result.numPassedTests;
  totals.failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
  totals.skipped += result.numPendingTests + result.numTodoTests;
}
const line = `${totals.passed} passed, ${totals.failed} failed` + (totals.skipped ? `, ${totals.skipped} skipped` : '');
console.log(line);
process.exit(totals.failed > 0 ? 1 : 0);
