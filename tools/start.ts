import { errorMessage } from '@countersign/contracts';
import { join } from 'node:path';
import { defaultTargets, startStack, REPO_ROOT, type SshDemo, type Stack } from '@countersign/stack';
import { startPostgresDemo } from './postgres-demo';

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];
const RESET = '\x1b[0m';
const palette = new Map<string, string>();

function prefixed(name: string, line: string): void {
  if (!palette.has(name)) palette.set(name, COLORS[palette.size % COLORS.length] ?? '');
  const color = process.stdout.isTTY ? (palette.get(name) ?? '') : '';
  console.log(`${color}${name.padEnd(11)}|${process.stdout.isTTY ? RESET : ''} ${line}`);
}

/** `npm start`: the local stack with the embedded store, in the foreground until Ctrl-C. */
async function main(): Promise<void> {
  const home = process.env.COUNTERSIGN_HOME ?? join(REPO_ROOT, '.countersign');
  const natsPort = Number(process.env.COUNTERSIGN_NATS_PORT ?? 4322);
  const httpPort = Number(process.env.COUNTERSIGN_HTTP_PORT ?? 8080);
  prefixed('countersign', `DEVELOPMENT MODE: every identity's key is made on this machine (${join(home, 'keys')}), then enrolled`);
  prefixed('countersign', `provisioning trust store and NATS users (public NKEYs) into ${home}`);
  const slack = slackSettings();
  const targets = defaultTargets();
  const postgres = await startPostgresDemo(home, targets);
  // The SIEM forwarder runs when a sink is configured (docs/siem.md); it reads the variable itself.
  const siem = Boolean(process.env.COUNTERSIGN_SIEM_CONFIG ?? process.env.COUNTERSIGN_SIEM_CONFIG_JSON);
  const stack = await startStack({
    home,
    targets,
    natsPort,
    intakeHttpPort: httpPort,
    log: prefixed,
    supervise: true,
    sshDemo: true,
    ...(slack ? { slack } : {}),
    ...(siem ? { siemForwarder: { env: {} } } : {}),
    // The MCP gateway for agents (docs/agents.md), over Streamable HTTP, as the payments agent.
    mcpGateway: {
      requester: process.env.COUNTERSIGN_MCP_REQUESTER ?? 'payments-agent',
      port: Number(process.env.COUNTERSIGN_MCP_PORT ?? 4331),
    },
  });
  const env = `COUNTERSIGN_HOME=${home} COUNTERSIGN_NATS_URL=${stack.natsUrl}`;
  console.log(`
Countersign is running (DEVELOPMENT MODE: this machine holds every identity's key, in ${join(home, 'keys')}).
  NATS         ${stack.natsUrl} (NKEY users and permissions generated in ${join(home, 'nats')})
  intake HTTP  ${stack.intakeUrl}/v1/submissions   (OpenAPI: ${stack.intakeUrl}/v1/openapi.json)
  demo target  ${stack.demoTargetUrl}
  health       ${operationsLine(stack)}   (/health/live, /health/ready, /metrics; docs/operations.md)
  PostgreSQL   ${postgres.banner}
  SIEM         ${siem ? 'forwarding CS_AUDIT as OCSF (docs/siem.md)' : 'no forwarder: set COUNTERSIGN_SIEM_CONFIG (docs/siem.md)'}
  SSH target   ${sshDemoLine(stack.sshDemo)}
  MCP gateway  ${stack.mcpGatewayUrl} (Streamable HTTP, as requester:${process.env.COUNTERSIGN_MCP_REQUESTER ?? 'payments-agent'}; docs/agents.md)
  Slack edge   ${slack ? `${stack.slackEdgeUrl}/slack/interactions (${process.env.COUNTERSIGN_SLACK_MODE ?? 'http'} mode)` : 'not started: set SLACK_BOT_TOKEN and friends (docs/slack.md)'}

Submit a first request (low risk: auto-approved, executed against the demo target):
  ${env} npx countersign submit --as deploy-bot --kind http.request --target demo-staging \\
      --param method=POST --param path=/deploy --reason "first deploy" --wait

A production change needs two approvers (alice and bob); see docs/protocol.md and:
  ${env} npx countersign status <request-id>
  ${env} npx countersign vote --as alice --request <request-id> --digest <digest> --rendering <rendering digest> --approve --reason "looks right"
  ${env} npx countersign audit verify

${sshDemoHowTo(env, stack.sshDemo)}${
    postgres.running
      ? `Run approved SQL with a per-request PostgreSQL role (two approvers; docs/targets.md):
  ${env} npx countersign submit --as deploy-bot --kind postgres.sql --target demo-postgres \\
      --params-json '{"statements":["INSERT INTO orders (item, quantity) VALUES ($$widget$$, 3)"],"grant":"app_write"}' --reason "restock"

`
      : ''
  }A service that exits is restarted with back-off (1 s, 2 s, 4 s … at most 30 s); the log says so.
Restart one service by hand:  node scripts/restart-service.js <intake|approval|broker|executor|audit|demo-target>

Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    prefixed('countersign', 'stopping');
    await stack.shutdown();
    await postgres.running?.stop({ keep: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** Each process's operations port, e.g. `intake http://127.0.0.1:40123`. */
function operationsLine(stack: Stack): string {
  const names = ['intake', 'approval', 'broker', 'executor', 'audit', 'slack-edge', 'siem-forwarder'];
  return names.flatMap((name) => (stack.healthUrl(name) ? [`${name} ${stack.healthUrl(name)}`] : [])).join(', ');
}

function sshDemoLine(demo: SshDemo | undefined): string {
  if (!demo) return 'not started';
  if ('unavailable' in demo) return `not started: ${demo.unavailable}`;
  return `demo-ssh at ${demo.sshd.address}, commands run as ${demo.sshd.account} (docs/targets.md#ssh-sshcommand)`;
}

/** A pasteable SSH request when the demo runs (two approvers: the default policy has no auto tier for it). */
function sshDemoHowTo(env: string, demo: SshDemo | undefined): string {
  if (!demo || 'unavailable' in demo) return '';
  return `Run a command on the SSH demo target with a certificate made for it alone (two approvers; docs/targets.md#ssh-sshcommand):
  ${env} npx countersign submit --as deploy-bot --kind ssh.command --target demo-ssh \\
      --param command="uname -a" --param principal=${demo.sshd.account} --reason "check the kernel"

`;
}

/** The Slack edge runs when the operator gave it a bot token; its other settings are checked by the edge. */
function slackSettings(): { env: Record<string, string>; httpPort: number } | undefined {
  if (!process.env.SLACK_BOT_TOKEN) return undefined;
  const names = [
    'COUNTERSIGN_SLACK_MODE',
    'SLACK_BOT_TOKEN',
    'SLACK_SIGNING_SECRET',
    'SLACK_APP_TOKEN',
    'SLACK_API_URL',
    'SLACK_CHANNEL_ID',
  ];
  return {
    env: Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
    httpPort: Number(process.env.COUNTERSIGN_SLACK_HTTP_PORT ?? 8090),
  };
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
