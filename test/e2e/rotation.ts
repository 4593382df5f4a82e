import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIdentity, loadTrustStore } from '@countersign/identity';
import type { Stack } from '@countersign/stack';
import { runInProcess, type InProcessResult } from '@countersign/cli/testing';
import { eventually } from './clients';

/** The operator CLI, run in this process against the stack's home: what an operator would type. */
export function countersign(stack: Pick<Stack, 'home'>, ...argv: string[]): Promise<InProcessResult> {
  return runInProcess(['--home', stack.home, ...argv], {}, process.cwd());
}

/**
 * `keys rotate` where the identity runs, then `trust rotate` on the provisioner, with the
 * documented commands. Returns the old and new signing key ids.
 */
export async function rotateSigningKey(
  stack: Pick<Stack, 'home'>,
  id: string,
  overlap: string,
): Promise<{ oldKeyId: string; newKeyId: string }> {
  const oldKeyId = loadIdentity(stack.home, id).signing.keyId;
  const file = join(mkdtempSync(join(tmpdir(), 'countersign-rotate-')), 'public.json');
  const keys = await countersign(stack, 'keys', 'rotate', '--id', id, '--out', file);
  if (keys.code !== 0) throw new Error(`keys rotate failed: ${keys.err}`);
  const trust = await countersign(stack, 'trust', 'rotate', '--id', id, '--new', file, '--overlap', overlap);
  if (trust.code !== 0) throw new Error(`trust rotate failed: ${trust.err}`);
  return { oldKeyId, newKeyId: loadIdentity(stack.home, id).signing.keyId };
}

/** Counts, per process, the lines that say it (re)started and that it re-read trust.json. */
export class ProcessLog {
  private readonly ready = new Map<string, number>();
  private readonly reloads = new Map<string, number>();

  readonly log = (name: string, line: string): void => {
    if (line.includes('COUNTERSIGN_READY')) this.ready.set(name, (this.ready.get(name) ?? 0) + 1);
    if (line.includes('trust store reloaded')) this.reloads.set(name, (this.reloads.get(name) ?? 0) + 1);
  };

  starts(name: string): number {
    return this.ready.get(name) ?? 0;
  }

  reloadsOf(name: string): number {
    return this.reloads.get(name) ?? 0;
  }

  /** Resolves once every named process has re-read trust.json more often than `before` says. */
  async reloaded(names: readonly string[], before: ReadonlyMap<string, number>): Promise<void> {
    await eventually(() => {
      const late = names.filter((name) => this.reloadsOf(name) <= (before.get(name) ?? 0));
      if (late.length > 0) throw new Error(`not yet re-read trust.json: ${late.join(', ')}`);
    }, 15_000);
  }

  snapshot(names: readonly string[]): Map<string, number> {
    return new Map(names.map((name) => [name, this.reloadsOf(name)]));
  }
}

export function keyStatus(stack: Pick<Stack, 'home'>, id: string, keyId: string): string | undefined {
  return loadTrustStore(stack.home)
    .document.identities.find((identity) => identity.id === id)
    ?.signingKeys.find((key) => key.keyId === keyId)?.status;
}
