import { ServiceMetrics } from '@countersign/service-runtime';
import { parseYaml, readRepoFile } from './repo-files';

/**
 * deploy/ holds Prometheus' scrape config and alert rules and a Grafana dashboard; none of them can
 * run here, so this holds them to the metrics the processes really expose (ServiceMetrics) and to
 * docs/operations.md, which must describe every metric and every alert.
 */

const exposed = new ServiceMetrics('spec', false).registry.getMetricsAsArray().map((metric) => metric.name);
/** Prometheus' own series, and the suffixes a histogram adds. */
const known = (name: string) => name === 'up' || exposed.includes(name.replace(/_(bucket|sum|count)$/, ''));
const metricsIn = (expr: string) => [...expr.matchAll(/\b(countersign_[a-z_]+|up)\b/g)].map(([name]) => name);

interface Rules {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string; labels: { severity: string } }> }>;
}
const rules = (parseYaml(readRepoFile('deploy/prometheus/alerts.yml')) as Rules).groups.flatMap((group) => group.rules);
const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/countersign.json')) as {
  uid: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};
const operationsDoc = readRepoFile('docs/operations.md');

describe('monitoring in deploy/', () => {
  it('alerts on custody violations, relay lag, dead letters, audit unreachable and unvoted approvals near expiry', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'CountersignCustodyViolation',
        'CountersignRelayLag',
        'CountersignDeadLetters',
        'CountersignAuditUnreachable',
        'CountersignApprovalExpiringUnvoted',
      ]),
    );
    for (const rule of rules) {
      expect([rule.alert, metricsIn(rule.expr).filter((name) => !known(name))]).toEqual([rule.alert, []]);
      expect([rule.alert, metricsIn(rule.expr).length]).not.toEqual([rule.alert, 0]);
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect([rule.alert, operationsDoc.includes(`\`${rule.alert}\``)]).toEqual([rule.alert, true]);
    }
  });

  it('loads the rules from the scrape config, which scrapes /metrics', () => {
    const config = parseYaml(readRepoFile('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ metrics_path: string }>;
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(config.scrape_configs.map((scrape) => scrape.metrics_path)).toEqual(['/metrics']);
  });

  it('draws only metrics the processes expose, and every exposed Countersign metric is on the dashboard', () => {
    const drawn = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsIn(target.expr)));
    expect(drawn.filter((name) => !known(name))).toEqual([]);
    const ours = exposed.filter((name) => !name.startsWith('countersign_process_'));
    expect(ours.filter((name) => !drawn.some((used) => used.startsWith(name)))).toEqual([]);
  });

  it('documents every metric in docs/operations.md', () => {
    const ours = exposed.filter((name) => !name.startsWith('countersign_process_'));
    expect(ours.length).toBeGreaterThan(15);
    expect(ours.filter((name) => !operationsDoc.includes(`\`${name}\``))).toEqual([]);
  });
});
