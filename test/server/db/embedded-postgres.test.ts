import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../server/src/db/embedded-postgres.ts';
import { portAnswers } from '../../helpers/services.ts';
import { cleanEnv, type Spawned, spawnProcess } from '../startup/spawn.ts';

const cleanups: (() => Promise<unknown>)[] = [];
const spawned = new Set<Spawned>();
afterAll(async () => {
  for (const child of spawned) child.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sy-embedded-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0] ?? {})[0];
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('takes over the data directory after a crash left its PostgreSQL running, and loses no data', async () => {
    const dataDir = await tempDir();
    const crashed = spawnProcess(process.execPath, ['--import', 'tsx', 'test/server/db/fixtures/start-embedded.ts', dataDir], cleanEnv({}));
    spawned.add(crashed);
    const orphanPort = Number((await crashed.waitFor(/ready (\d+)/))[1]);
    const orphanUrl = await urlOfRunningServer(dataDir, orphanPort);
    await scalar(orphanUrl, 'CREATE TABLE kept (v text)');
    await scalar(orphanUrl, "INSERT INTO kept VALUES ('before the crash')");

    process.kill(crashed.child.pid!, 'SIGKILL'); // the Node process only: its PostgreSQL lives on, orphaned
    await crashed.exited;
    spawned.delete(crashed);
    expect(await portAnswers('127.0.0.1', orphanPort)).toBe(true);

    const embedded = await startEmbeddedPostgres({ SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_EMBEDDED_PG_PORT: 0 });
    try {
      expect(await portAnswers('127.0.0.1', orphanPort)).toBe(false);
      expect(await scalar(embedded.databaseUrl, 'SELECT v FROM kept')).toBe('before the crash');
    } finally {
      await embedded.stop();
    }
    expect(await portAnswers('127.0.0.1', embedded.port)).toBe(false);
  }, 90_000);

  it.runIf(process.getuid?.() === 0)(
    'as root, refuses a data directory the postgres user cannot reach, and says how to fix it',
    async () => {
      const locked = await tempDir(); // mkdtemp makes it 0700, owned by root
      await chmod(locked, 0o700);
      const dataDir = path.join(locked, 'data');
      await mkdir(dataDir);

      await expect(startEmbeddedPostgres({ SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_EMBEDDED_PG_PORT: 0 })).rejects.toThrow(
        `The data directory ${dataDir} is not reachable and writable by the "postgres" user`,
      );
    },
  );
});

/** The URL of the crashed process's server, read from the password file it left in the data directory. */
async function urlOfRunningServer(dataDir: string, port: number): Promise<string> {
  const password = (await readFile(path.join(dataDir, 'postgres-password'), 'utf8')).trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/switchyard`;
}
