import type { ChildProcess } from 'node:child_process';

/** Whether a spawned process has exited (by itself or by a signal): one rule for every server the harness stops. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** A spawned process that has not exited, with its process id. */
export function isRunning(child: ChildProcess | undefined): child is ChildProcess & { pid: number } {
  return child !== undefined && child.pid !== undefined && !hasExited(child);
}

export interface ReadyLine {
  /** What the server writes to stderr once it accepts connections. */
  marker: string;
  /** Its name in the error message. */
  what: string;
  timeoutMs: number;
  /** Sees every chunk, before and after ready; without it, stderr is drained once ready. */
  onOutput?: (chunk: Buffer) => void;
}

/**
 * Resolves with the child once its stderr shows `marker`; kills it (SIGKILL) and rejects with what
 * it wrote when it exits first or takes longer than `timeoutMs`. One rule for every server the
 * harness starts (nats-server, postgres, sshd).
 */
export function untilReady(child: ChildProcess, ready: ReadyLine): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let log = '';
    let settled = false;
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`${ready.what} did not become ready:\n${log}`)), ready.timeoutMs);
    const onData = (chunk: Buffer) => {
      ready.onOutput?.(chunk);
      if (settled) return;
      log += chunk.toString();
      if (!log.includes(ready.marker)) return;
      settled = true;
      clearTimeout(timer);
      if (!ready.onOutput) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
      }
      resolve(child);
    };
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`${ready.what} exited with ${String(code)}:\n${log}`)));
  });
}
