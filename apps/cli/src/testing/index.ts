// `@countersign/cli/testing`: what tests outside the CLI (test/e2e, test/security) may use of it.
// The only way into the CLI app from another project; production code may not import it.
export { jsonLines, runCli, startCliHarness, type CliHarness, type CliResult } from './cli-harness';
export { runInProcess, type InProcessResult } from './in-process';
// The offline verifier `countersign audit verify --file` runs, for a test that judges many changed
// exports without starting a process for each.
export { examineEntries, parseJsonLines, type ExaminedEntry } from '../audit/entries';
export { verifyAudit } from '../audit/report';
