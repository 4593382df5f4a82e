import { run } from '../main';
import type { Io } from '../output';

export interface InProcessResult {
  code: number;
  out: string;
  err: string;
}

/**
 * The CLI's `run` in this process with its output captured: what an operator would type, without a
 * child process. The environment is empty unless given (the caller's must not leak in), and the
 * working directory is one that does not exist, so nothing is found by accident.
 */
export async function runInProcess(argv: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = '/nonexistent'): Promise<InProcessResult> {
  const captured = { out: '', err: '' };
  const io: Io = { stdout: (text) => void (captured.out += text), stderr: (text) => void (captured.err += text) };
  const code = await run(argv, io, env, cwd);
  return { code, ...captured };
}
