import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from '../../helpers/wait.ts';
import { freePort } from './ports.ts';
import { killAndWait } from './processes.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Other server settings of config.ts, e.g. `SWITCHYARD_DUE_WORK_POLL_MS: '50'`. */
type ServerSettings = Record<`SWITCHYARD_${string}`, string>;
export type ReplicaEnv = { DATABASE_URL: string; SWITCHYARD_ADMIN_TOKEN: string; REDIS_URL?: string } & ServerSettings;

/**
 * A Switchyard replica as production runs it: `server/start.sh` (the compiled server, as `npm start`
 * runs it) in a child process of its own.
 * It can be killed (SIGKILL, as a crash or an OOM kill would) and started again on the same port.
 */
export class ReplicaProcess {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    private readonly env: ReplicaEnv,
    readonly port: number,
  ) {}

  static async start(env: ReplicaEnv): Promise<ReplicaProcess> {
    const replica = new ReplicaProcess(env, await freePort());
    await replica.start();
    return replica;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get target() {
    return { host: '127.0.0.1', port: this.port };
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.output = '';
    const child = spawn('sh', ['server/start.sh'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await until(
      `replica on port ${this.port} answers /healthz`,
      async () => {
        if (child.exitCode !== null) throw new Error(`the replica exited (${child.exitCode}): ${this.output.slice(-2000)}`);
        return fetch(`${this.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      60_000,
      100,
    );
  }

  /** Kills the process without warning (no graceful shutdown, no close frames) and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.child) return;
    await killAndWait(this.child);
    this.child = null;
  }
}
