import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { runPolicyTests, type CaseResult, type PolicyTestReport } from '@countersign/policy-engine';
import { positional, type CommandLine } from '../args';
import { CliError, ExitCode, type CliContext } from '../context';
import { runAction, type Command } from './command';

/**
 * Policies are code: `countersign policy test <dir>` runs every fixture file in the folder against
 * the policy it names, so a policy change is tested in CI before it reaches the approval service.
 * Exit 1 on any mismatch, on a policy or fixture file that does not load, and on an untested policy.
 */
function test(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const dir = positional(line, 1, 'policy folder (countersign policy test <dir>)', 'policy');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${dir} is not a folder`, ExitCode.invalidInput);
  const report = runPolicyTests(dir);
  ctx.out.result(report, () => formatReport(report));
  return Promise.resolve(report.ok ? ExitCode.ok : ExitCode.failure);
}

export function formatReport(report: PolicyTestReport): string[] {
  const failed = report.cases.filter((result) => result.mismatches.length > 0).length;
  return [
    ...report.policies.map((policy) => `policy ${policy.file}  ${policy.label}  ${policy.version}`),
    ...report.cases.flatMap(formatCase),
    ...(report.errors.length > 0 ? ['', 'errors:', ...report.errors.flatMap((error) => error.split('\n')).map((text) => `  ${text}`)] : []),
    '',
    `${report.cases.length} cases: ${report.cases.length - failed} passed, ${failed} failed${report.errors.length > 0 ? `, ${report.errors.length} errors` : ''}`,
    report.ok ? 'ok' : 'FAILED',
  ];
}

function formatCase(result: CaseResult): string[] {
  const where = `${basename(result.file)}${result.line === undefined ? '' : `:${result.line}`}`;
  if (result.mismatches.length === 0) return [`  ok    ${where}  ${result.name}`];
  return [`  FAIL  ${where}  ${result.name}`, ...result.mismatches.map((mismatch) => `          ${mismatch}`)];
}

export const policyCommand: Command = {
  name: 'policy',
  options: {},
  run: runAction('policy', { test }),
  summary: 'test approval policies (tiers + Cedar) against their fixture files',
  usage: [
    'countersign policy test <dir>',
    '',
    '  loads every *.policy.json in <dir> with the Cedar file it names, and runs every *.fixtures.json',
    '  against the policy it names. Exit 1 on any mismatch, on a file that does not load (the message',
    '  names the file and line), and on a policy no fixture file tests. Reads no keys, talks to no server.',
  ],
  examples: ['countersign policy test deploy/policies', 'countersign policy test deploy/policies --json'],
};
