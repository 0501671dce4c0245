import { type ChildProcess, spawn } from 'node:child_process';
import { portAnswers } from '../../helpers/services.ts';
import { until } from '../../helpers/wait.ts';
import { freePort } from './ports.ts';
import { killAndWait } from './processes.ts';

/**
 * A `redis-server` child process of the test's own on a spare port, with no persistence (a restart
 * comes back empty, like a crashed cache), that can be stopped and started again on the same port.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await until(`redis-server on port ${this.port} answers`, () => portAnswers('127.0.0.1', this.port, 200), 10_000);
  }

  /** Kills the server (SIGKILL: a crash, nothing flushed) and waits until it is gone. */
  async stop(): Promise<void> {
    if (!this.child) return;
    await killAndWait(this.child);
    this.child = null;
  }
}
