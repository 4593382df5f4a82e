import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TargetRegistryDocument } from '@countersign/contracts';
import { parsePolicy, type Policy } from '@countersign/policy';
import { actionTools, actionToolName, statusTool } from './catalog';

const ROOT = join(__dirname, '..', '..', '..', '..');
const NOW = '2026-12-06T10:00:00.000Z';
const policyText = readFileSync(join(ROOT, 'deploy', 'policies', 'default.policy.json'), 'utf8');
const parsed = parsePolicy(policyText, 'default.policy.json');
if (!parsed.ok) throw new Error('the default policy does not parse');
const policy: Policy = parsed.policy;
const { targets } = TargetRegistryDocument.parse(JSON.parse(readFileSync(join(ROOT, 'deploy', 'targets.json'), 'utf8')));
const deployBot = {
  name: 'deploy-bot',
  allowedKinds: ['http.request', 'postgres.sql'],
  allowedEnvironments: ['dev', 'staging', 'production'],
};

describe('the tool catalog', () => {
  const tools = actionTools(deployBot, targets, policy, NOW);
  const byName = (name: string) => tools.find((tool) => tool.name === name)!;

  it('offers one tool per kind the requester may ask for on each target that admits it, and nothing else', () => {
    expect(tools.map((tool) => tool.name)).toEqual([
      'http_request__billing-api',
      'http_request__customer-db',
      'http_request__demo-staging',
      'http_request__demo-target',
      'http_request__sandbox',
      'postgres_sql__demo-postgres',
    ]);
    // qa-tools is in qa (not an allowed environment); vendor-bank does not admit deploy-bot.
    expect(actionToolName('payment.transfer', 'vendor-bank')).toBe('payment_transfer__vendor-bank');
  });

  it('derives annotations from the strictest tier a call can reach', () => {
    expect(byName('http_request__demo-staging').route).toMatchObject({ tiers: ['low-risk'], needsPeople: false });
    expect(byName('http_request__demo-staging').annotations).toEqual({
      title: 'http.request on demo-staging (staging)',
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(byName('http_request__demo-target').route).toMatchObject({
      tiers: ['production-break-glass', 'production-change'],
      needsPeople: true,
    });
    expect(byName('http_request__demo-target').annotations.destructiveHint).toBe(true);
    expect(byName('http_request__customer-db').route.tiers).toEqual(['production-break-glass', 'restricted-data']);
    expect(byName('postgres_sql__demo-postgres').route.tiers).toEqual(['production-change']);
  });

  it('reaches the strictest tier and the fallback where only amounts decide', () => {
    const payments = { name: 'payments-agent', allowedKinds: ['payment.transfer'], allowedEnvironments: ['staging', 'production'] };
    const sandbox = actionTools(payments, targets, policy, NOW).find((tool) => tool.target === 'vendor-bank-sandbox')!;
    expect(sandbox.route.tiers).toEqual(['payments-critical', 'payments-high', 'default']);
    expect(sandbox.annotations.destructiveHint).toBe(true);
  });

  it('treats every tool as needing people once the policy is overdue for review, or without a policy', () => {
    const late = actionTools(deployBot, targets, policy, '2027-06-01T00:00:00.000Z');
    expect(late.find((tool) => tool.target === 'demo-staging')!.annotations.destructiveHint).toBe(true);
    const blind = actionTools(deployBot, targets, undefined, NOW);
    expect(blind.every((tool) => tool.annotations.destructiveHint)).toBe(true);
  });

  it('publishes JSON Schema 2020-12 derived from the contract, without the fields the tool or the registry fix', () => {
    const schema = byName('http_request__demo-staging').inputSchema as { $schema: string; properties: object; required: string[] };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties).sort()).toEqual(['amount', 'breakGlass', 'intent', 'parameters', 'reason', 'window']);
    expect(schema.required).toEqual(['parameters', 'reason']);
    const sql = byName('postgres_sql__demo-postgres').inputSchema as { properties: { parameters: { required: string[] } } };
    expect(sql.properties.parameters.required).toEqual(['statements', 'grant']);
    expect(statusTool().annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
  });
});
