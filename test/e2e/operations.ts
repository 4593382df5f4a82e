import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import type { Stack } from '@countersign/stack';

/**
 * One scrape of a process's `/metrics`, parsed by the Prometheus text-format rules. The parser
 * keeps only unlabelled histograms whole (it folds labelled ones into one bucket map and drops
 * their `_count` and `_sum`), so samples are read from a second parse in which histograms are
 * declared untyped: each of their `_bucket`, `_sum` and `_count` series is then a family of its own.
 */
export class Scrape {
  private readonly series: PrometheusFamily[];

  private constructor(
    readonly families: PrometheusFamily[],
    text: string,
  ) {
    this.series = parsePrometheusTextFormat(text.replace(/^(# TYPE \S+) histogram$/gm, '$1 untyped'));
  }

  static async of(stack: Stack, name: string): Promise<Scrape> {
    const response = await fetch(`${operationsUrl(stack, name)}/metrics`);
    if (!response.ok) throw new Error(`${name} /metrics answered ${response.status}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return new Scrape(parsePrometheusTextFormat(text), text);
  }

  family(name: string): PrometheusFamily {
    const found = this.families.find((family) => family.name === name);
    if (!found) throw new Error(`no metric ${name}`);
    return found;
  }

  /** The sum of the samples whose labels include `labels` (0 when there is none); histograms: ask for `<name>_count`. */
  value(name: string, labels: Record<string, string> = {}): number {
    this.family(name.replace(/_(count|sum|bucket)$/, '')); // declared, even with no sample yet
    // A histogram's series interleave per label set, so one name can come back as several families.
    const samples = this.series
      .filter((candidate) => candidate.name === name)
      .flatMap((family) => family.metrics)
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
    return samples.reduce((total, sample) => total + Number(sample.value ?? 0), 0);
  }

  has(name: string, labels: Record<string, string>): boolean {
    return this.family(name).metrics.some((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  }
}

export function operationsUrl(stack: Stack, name: string): string {
  const url = stack.healthUrl(name);
  if (!url) throw new Error(`${name} printed no operations port`);
  return url;
}

/** `/health/ready`'s status code and body. */
export async function readiness(
  stack: Stack,
  name: string,
): Promise<{ status: number; body: { status: string; details?: Record<string, { status: string }> } }> {
  const response = await fetch(`${operationsUrl(stack, name)}/health/ready`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as { status: string } };
}
