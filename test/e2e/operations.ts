import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import type { Stack } from '@countersign/stack';

/** One scrape of a process's `/metrics`, parsed by the Prometheus text-format rules. */
export class Scrape {
  private constructor(readonly families: PrometheusFamily[]) {}

  static async of(stack: Stack, name: string): Promise<Scrape> {
    const response = await fetch(`${operationsUrl(stack, name)}/metrics`);
    if (!response.ok) throw new Error(`${name} /metrics answered ${response.status}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Scrape(parsePrometheusTextFormat(await response.text()));
  }

  family(name: string): PrometheusFamily {
    const found = this.families.find((family) => family.name === name);
    if (!found) throw new Error(`no metric ${name}`);
    return found;
  }

  /** The value of the sample whose labels include `labels` (0 when there is none); histograms: their count. */
  value(name: string, labels: Record<string, string> = {}): number {
    const samples = this.family(name).metrics.filter((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value),
    );
    return samples.reduce((total, sample) => total + Number(sample.value ?? sample.count ?? 0), 0);
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
export async function readiness(stack: Stack, name: string): Promise<{ status: number; body: { status: string; details?: Record<string, { status: string }> } }> {
  const response = await fetch(`${operationsUrl(stack, name)}/health/ready`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as { status: string } };
}
