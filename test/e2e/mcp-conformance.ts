import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@countersign/stack';

/**
 * The official MCP conformance suite's server scenarios that apply to the gateway: the lifecycle,
 * ping, tools/list, concurrent POST streams and DNS-rebinding protection on Streamable HTTP.
 */
export const CONFORMANCE_SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'server-sse-multiple-streams', 'dns-rebinding-protection'];

/** The others, and why they do not apply (the test lists them as skipped, never as passed). */
export const NOT_APPLICABLE: Record<string, string> = {
  'tools-call-simple-text': 'needs the suite’s fixture tool test_simple_text; the gateway’s tools come from the registry',
  'tools-call-image': 'fixture tool test_image_content; the gateway returns text results only',
  'tools-call-audio': 'fixture tool test_audio_content; the gateway returns text results only',
  'tools-call-embedded-resource': 'fixture tool; the gateway serves no resources',
  'tools-call-mixed-content': 'fixture tool test_multiple_content_types',
  'tools-call-with-logging': 'fixture tool; the gateway does not declare the logging capability',
  'tools-call-error': 'fixture tool test_error_handling (the e2e cases above check tool errors)',
  'tools-call-with-progress': 'fixture tool test_tool_with_progress (the e2e cases above check progress)',
  'tools-call-sampling': 'the gateway never asks the client to sample',
  'tools-call-elicitation': 'the gateway never elicits: approval happens outside the agent',
  'json-schema-2020-12': 'fixture tool json_schema_2020_12_tool (the gateway’s own schemas are 2020-12)',
  'elicitation-sep1034-defaults': 'no elicitation',
  'elicitation-sep1330-enums': 'no elicitation',
  'server-sse-polling': 'fixture tool test_reconnection; no SSE event store (a call cut off is recovered with countersign_request_status)',
  'logging-set-level': 'no logging capability',
  'completion-complete': 'no completions',
  'resources-list': 'no resources',
  'resources-read-text': 'no resources',
  'resources-read-binary': 'no resources',
  'resources-templates-read': 'no resources',
  'resources-subscribe': 'no resources',
  'resources-unsubscribe': 'no resources',
  'prompts-list': 'no prompts',
  'prompts-get-simple': 'no prompts',
  'prompts-get-with-args': 'no prompts',
  'prompts-get-embedded-resource': 'no prompts',
  'prompts-get-with-image': 'no prompts',
};

/**
 * The CLI is built for Node 22 (it imports fs.globSync, used only by its tier-check command); on
 * Node 20 a resolve hook hands it node:fs plus a globSync that says so. Nothing else is changed.
 */
const FS_SHIM =
  'data:text/javascript,' +
  encodeURIComponent(
    "export * from 'node:fs'; import fs from 'node:fs'; export default fs; export function globSync() { throw new Error('fs.globSync needs Node 22'); }",
  );
const HOOKS =
  'data:text/javascript,' +
  encodeURIComponent(
    `export async function resolve(specifier, context, next) {
      if (specifier === 'fs' && context.parentURL && context.parentURL.includes('@modelcontextprotocol/conformance')) return { url: ${JSON.stringify(FS_SHIM)}, shortCircuit: true };
      return next(specifier, context);
    }`,
  );
const REGISTER =
  'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(HOOKS)});`);

export interface ConformanceCheck {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

/** Runs one server scenario of the installed suite against `url` and returns its checks. */
export async function runConformance(url: string, scenario: string): Promise<ConformanceCheck[]> {
  const out = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  const cli = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  try {
    const globalMajor = Number(process.versions.node.split('.')[0]);
    const args = [...(globalMajor < 22 ? ['--import', REGISTER] : []), cli, 'server', '--url', url, '--scenario', scenario, '-o', out];
    // The CLI exits non-zero on a failed check; the checks file says which.
    await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, timeout: 60_000 }).catch(() => undefined);
    return readChecks(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function readChecks(dir: string): ConformanceCheck[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('checks.json'));
  if (files.length === 0) throw new Error(`the conformance run wrote no checks.json in ${dir}`);
  return files.flatMap((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as ConformanceCheck[]);
}
