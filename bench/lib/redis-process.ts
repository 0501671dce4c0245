import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stopChild } from './proc.ts';
import { BENCH_REDIS_URL, freePort } from './server-process.ts';

export type BenchRedis = {
  url: string;
  private: boolean;
  pid: number | undefined;
  /** What a replica needs to use it: REDIS_URL, and a key prefix of this run's own (for a shared Redis). */
  env: { REDIS_URL: string; SWITCHYARD_REDIS_PREFIX: string };
  stop(): Promise<void>;
};

/**
 * A Redis of the benchmark's own when `redis-server` is installed, so that no one else's load or keys
 * share it. Else the shared one (REDIS_URL or the local default); the replicas then still keep to
 * this run's keys and change notices through a prefix of the run's own.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  if (process.env.REDIS_URL) return shared(process.env.REDIS_URL);
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
    return shared(BENCH_REDIS_URL);
  }
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    private: true,
    pid: child.pid,
    env: runEnv(url),
    stop: () => stopChild(child, 5_000),
  };
}

function shared(url: string): BenchRedis {
  return { url, private: false, pid: undefined, env: runEnv(url), stop: async () => {} };
}

function runEnv(url: string): BenchRedis['env'] {
  return { REDIS_URL: url, SWITCHYARD_REDIS_PREFIX: `sy-bench-${randomBytes(4).toString('hex')}` };
}
