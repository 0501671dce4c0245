import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { rssMb, stopChild } from './proc.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A fresh database for one benchmark run, dropped afterwards. */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sy_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: BENCH_BASE_DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(BENCH_BASE_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export type ServerProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  rssMb(): number | null;
  /** Everything the replica printed so far (its log lines, JSON). */
  output(): string;
  stop(): Promise<void>;
};

/**
 * How a replica runs: `compiled` as `npm start` runs it (`server/start.sh`: server/dist with its
 * memory settings); `source` as `npm run dev` runs it (the TypeScript sources through tsx, no
 * memory settings), for comparison. Benchmarks take it as `--runtime compiled|source`.
 */
export type ServerRuntime = 'compiled' | 'source';

/** `--node-args "ARGS"`: extra node options for every replica, e.g. `--max-semi-space-size=16` to override start.sh's. */
export function extraNodeArgs(values: Map<string, string>): string[] {
  return (values.get('node-args') ?? '').split(' ').filter(Boolean);
}

/** How the replicas of a run were started, for its report. */
export function describeReplicas(runtime: ServerRuntime, nodeArgs: string[]): string {
  return `server runtime: ${runtime}${nodeArgs.length ? `, node ${nodeArgs.join(' ')}` : ''}`;
}

export function serverRuntime(values: Map<string, string>): ServerRuntime {
  const runtime = values.get('runtime') ?? 'compiled';
  if (runtime !== 'compiled' && runtime !== 'source') throw new Error('--runtime takes compiled or source');
  return runtime;
}

/**
 * Starts a replica in a child process of its own and waits until /readyz answers; `nodeArgs` go to node
 * (e.g. `--cpu-prof`); `root` is the checkout it runs from (another commit's, to compare; default this one).
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; runtime?: ServerRuntime; root?: string } = {},
): Promise<ServerProcess> {
  const nodeArgs = options.nodeArgs ?? [];
  return options.runtime === 'source'
    ? launchServer(
        process.execPath,
        [...nodeArgs, '--conditions=switchyard-source', '--import', 'tsx', 'server/src/main.ts'],
        env,
        options.root,
      )
    : launchServer('sh', ['server/start.sh', ...nodeArgs], env, options.root);
}

/**
 * Runs `command args` from the repository root (or `root`) as a replica on a free port and waits until
 * /readyz answers. The command must be, or `exec`, the server's own node process, so that the child's
 * pid is the one whose CPU and RSS are measured. An `undefined` in `env` removes that variable.
 */
export async function launchServer(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  root: string = REPO_ROOT,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (true) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`server did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    child,
    rssMb: () => rssMb(child.pid),
    output: () => output,
    stop: () => stopChild(child, 10_000),
  };
}
