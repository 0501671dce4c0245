import { spawn } from 'node:child_process';
import { BENCH_REDIS_URL, freePort } from './server-process.ts';

export type BenchRedis = { url: string; private: boolean; pid: number | undefined; stop(): Promise<void> };

/**
 * A Redis of the benchmark's own when `redis-server` is installed: the server has no setting for its
 * Redis namespace, so with a shared Redis two runs (or another engineer's server) would exchange change
 * notices and find each other's cached snapshots under the same keys. Else the shared one (REDIS_URL or
 * the local default), with that caveat.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, private: false, pid: undefined, stop: async () => {} };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = await new Promise<boolean>((resolve) => {
    let output = '';
    const timer = setTimeout(() => resolve(false), 10_000);
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  if (!started) {
    child.kill('SIGKILL');
    console.warn(`(redis-server could not be started; using the shared Redis at ${BENCH_REDIS_URL})`);
    return { url: BENCH_REDIS_URL, private: false, pid: undefined, stop: async () => {} };
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    private: true,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
