import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../../server/src/db/embedded-postgres.ts';
import { migrate } from '../../../server/src/db/migrate.ts';
import { freePort } from './ports.ts';

/**
 * An embedded PostgreSQL of the test's own (as Switchyard runs it without DATABASE_URL), in a temp
 * directory, on a fixed spare port so that it comes back at the same address after a restart.
 */
export class PrivatePostgres {
  private server: EmbeddedPostgres | null = null;

  private constructor(
    private readonly root: string,
    readonly port: number,
    public databaseUrl = '',
  ) {}

  static async start(): Promise<PrivatePostgres> {
    // A temp directory: mkdtemp under /tmp, which the postgres user can traverse (we may run as root).
    const root = await mkdtemp(path.join(tmpdir(), 'sy-faults-pg-'));
    const pg = new PrivatePostgres(root, await freePort());
    await pg.start();
    await migrate(pg.databaseUrl);
    return pg;
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = await startEmbeddedPostgres({ SWITCHYARD_DATA_DIR: this.root, SWITCHYARD_EMBEDDED_PG_PORT: this.port });
    this.databaseUrl = this.server.databaseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.stop();
  }

  /** Stops the server and deletes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.root, { recursive: true, force: true });
  }
}
