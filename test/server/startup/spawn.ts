import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type Spawned = {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on timeout or early exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the whole process group if it is still running (for cleanup after a failed test). */
  kill(): void;
};

/**
 * The environment of the test process without what would change the behaviour of a spawned
 * Switchyard or npm: service URLs, Switchyard settings and npm's own variables.
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|DATABASE_URL$|REDIS_URL$|SWITCHYARD_|PORT$|HOST$|LOG_LEVEL$|BODY_LIMIT_BYTES$|NODE_OPTIONS$|VITEST)/.test(key))
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command from the repository root in a process group of its own. */
export function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );

  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) return finish(() => resolve(match));
          if (!running) finish(() => reject(new Error(`Process exited before printing ${pattern}. Output:\n${text}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`Timed out waiting for ${pattern}. Output:\n${text}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    kill() {
      if (!running || !child.pid) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
