import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { accepted, errorText, retryLater, type Forwardable, type Sink, type SinkOutcome } from './sink';

export interface FileSinkConfig {
  /** The live file; rotated files are `<path>.1` (newest) to `<path>.<maxFiles>` (oldest). */
  path: string;
  /** Rotate before a write would take the live file past this size. Default 100 MiB. */
  maxBytes?: number;
  /** Rotated files kept. Default 5. */
  maxFiles?: number;
}

/**
 * One OCSF JSON object per line, for Filebeat, Vector or Fluent Bit. A batch is accepted once it is
 * written and fsynced. Rotation renames (never copies and truncates), which every one of those
 * agents follows by inode without losing or repeating lines.
 */
export class FileSink implements Sink {
  readonly name: string;

  constructor(private readonly config: FileSinkConfig) {
    this.name = `file ${config.path}`;
  }

  async send(records: readonly Forwardable[]): Promise<SinkOutcome> {
    try {
      mkdirSync(dirname(this.config.path), { recursive: true });
      let pending: string[] = [];
      let size = this.size();
      for (const record of records) {
        const line = `${JSON.stringify(record.ocsf)}\n`;
        const bytes = Buffer.byteLength(line);
        if (size + bytes > this.maxBytes() && size > 0) {
          await this.append(pending);
          pending = [];
          this.rotate();
          size = 0;
        }
        pending.push(line);
        size += bytes;
      }
      await this.append(pending);
      return accepted;
    } catch (error) {
      return retryLater(errorText(error));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private maxBytes(): number {
    return this.config.maxBytes ?? 100 * 1024 * 1024;
  }

  private size(): number {
    return existsSync(this.config.path) ? statSync(this.config.path).size : 0;
  }

  private async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const handle = await open(this.config.path, 'a', 0o640);
    try {
      await handle.write(lines.join(''));
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private rotate(): void {
    const { path } = this.config;
    const keep = this.config.maxFiles ?? 5;
    rmSync(`${path}.${keep}`, { force: true });
    for (let index = keep - 1; index >= 1; index -= 1)
      if (existsSync(`${path}.${index}`)) renameSync(`${path}.${index}`, `${path}.${index + 1}`);
    if (existsSync(path)) renameSync(path, `${path}.1`);
  }
}
