import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { createEmptyDatabase } from '../../helpers/database.ts';
import { portAnswers } from '../../helpers/services.ts';
import { cleanEnv, REPO_ROOT, type Spawned, spawnProcess } from './spawn.ts';

// These tests run Switchyard the way people do, `npm start` from the repository root, in a real
// child process: no DATABASE_URL means an embedded PostgreSQL that keeps its data between runs.

const cleanups: (() => Promise<unknown>)[] = [];
const running = new Set<Spawned>();
afterAll(async () => {
  for (const spawned of running) spawned.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sy-startup-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function npmStart(env: Record<string, string>): Promise<{ switchyard: Spawned; url: string }> {
  const switchyard = spawnProcess('npm', ['start'], cleanEnv({ HOST: '127.0.0.1', PORT: '0', ...env }));
  running.add(switchyard);
  const [, url] = await switchyard.waitFor(/Switchyard listening on (http:\/\/\S+)/);
  return { switchyard, url: url! };
}

/** Stops it as `docker stop` or systemd would: SIGTERM to the process that was started. */
async function stop(switchyard: Spawned) {
  switchyard.child.kill('SIGTERM');
  const exit = await switchyard.exited;
  running.delete(switchyard);
  return exit;
}

function api(url: string, token: string) {
  return async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

/**
 * The README's sample of what a first `npm start` from a fresh clone prints, less the lines of the
 * install (these tests start an installed tree), as lines.
 */
async function readmeFirstStart(): Promise<string[]> {
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const sample = /```\n(> switchyard@[^\n]* prestart\n[\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Quick start')))?.[1];
  expect(sample, 'the sample output in the Quick start of README.md').toBeDefined();
  const lines = sample!.trimEnd().split('\n');
  const install = lines.findIndex((line) => line.startsWith('Dependencies are not installed yet'));
  const installed = lines.findIndex((line) => /^added \d+ packages/.test(line));
  expect(install).toBeGreaterThan(0);
  expect(installed).toBeGreaterThan(install);
  return [...lines.slice(0, install), ...lines.slice(installed + 1)];
}

/** What differs from one start to the next: ports, the data directory, the token. */
const withoutVariables = (lines: string[]) =>
  lines.map((line) =>
    line
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
      .replace(/data in \S+/, 'data in <dir>')
      .replace(/sy_admin_[A-Za-z0-9_-]{20,}/, 'sy_admin_<secret>'),
  );

describe('npm start', () => {
  it('with no DATABASE_URL: runs an embedded PostgreSQL, prints an admin token once, ' +
    'and keeps its data across a graceful restart', async () => {
    const dataDir = await tempDir();

    const first = await npmStart({ SWITCHYARD_DATA_DIR: dataDir });
    const out = first.switchyard.output();
    const pgPort = Number(out.match(/Database: embedded PostgreSQL on 127\.0\.0\.1:(\d+)/)?.[1]);
    const adminToken = out.match(/^\s+(sy_admin_[A-Za-z0-9_-]{20,})\s*$/m)?.[1];
    expect(adminToken, out).toBeDefined();
    expect(out).toContain('Created environments: development, staging, production');
    expect(out.split(adminToken!)).toHaveLength(2); // printed exactly once
    // Everything it printed up to now is what the README shows, line for line.
    const printed = out.replace(/^\n+/, '').split('\n');
    const listening = printed.findIndex((line) => line.startsWith('Switchyard listening on'));
    expect(withoutVariables(printed.slice(0, listening + 1))).toEqual(withoutVariables(await readmeFirstStart()));
    expect(await portAnswers('127.0.0.1', pgPort)).toBe(true);
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    const call = api(first.url, adminToken!);
    expect((await call('POST', '/api/flags', { key: 'survives-restart', name: 'Survives restart', kind: 'boolean' })).status).toBe(201);
    expect((await api(first.url, 'sy_admin_wrong')('GET', '/api/flags/survives-restart')).status).toBe(401);

    expect(await stop(first.switchyard)).toEqual({ code: 0, signal: null });
    expect(first.switchyard.output()).toContain('Switchyard stopped.');
    expect(await portAnswers('127.0.0.1', pgPort)).toBe(false);

    const second = await npmStart({ SWITCHYARD_DATA_DIR: dataDir });
    const again = second.switchyard.output();
    expect(again).not.toMatch(/sy_admin_/);
    expect(again).not.toContain('Created environments');
    expect(again).toMatch(/Migrations: 0 applied, \d+ already applied/);
    const flag = await api(second.url, adminToken!)('GET', '/api/flags/survives-restart');
    expect(flag).toMatchObject({ status: 200, body: { key: 'survives-restart', name: 'Survives restart' } });

    expect(await stop(second.switchyard)).toEqual({ code: 0, signal: null });
  }, 150_000);

  it('with DATABASE_URL, REDIS_URL, SWITCHYARD_REDIS_PREFIX, SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY and SWITCHYARD_ADMIN_TOKEN: ' +
    'uses those, starts no embedded database and prints no secret', async () => {
    const db = await createEmptyDatabase(inject('databaseUrl'));
    cleanups.push(db.drop);
    const dataDir = path.join(await tempDir(), 'unused');
    const adminToken = generateSecret('admin');
    const prefix = `sy-startup-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(inject('redisUrl'));
    cleanups.push(async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    const { switchyard, url } = await npmStart({
      DATABASE_URL: db.url,
      REDIS_URL: inject('redisUrl'),
      SWITCHYARD_REDIS_PREFIX: prefix,
      SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: '1',
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_DATA_DIR: dataDir,
    });

    const out = switchyard.output();
    expect(out).toContain('(DATABASE_URL)');
    expect(out).toContain('(REDIS_URL)');
    expect(out).toContain(`"${prefix}:" (SWITCHYARD_REDIS_PREFIX)`);
    expect(out).not.toContain('embedded PostgreSQL');
    expect(out).not.toContain(adminToken);
    expect(out).not.toMatch(/sy_admin_/);
    expect(existsSync(dataDir)).toBe(false);

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });
    const environments = await api(url, adminToken)('GET', '/api/environments');
    expect(environments.status).toBe(200);

    // The snapshot it serves is cached in Redis under the prefix, where no other installation looks.
    const key = await api(url, adminToken)('POST', '/api/tokens', { name: 'startup', kind: 'server', environment: 'production' });
    expect(key.status).toBe(201);
    const snapshot = await fetch(`${url}/sdk/snapshot`, { headers: { authorization: `Bearer ${key.body.secret as string}` } });
    expect(snapshot.status).toBe(200);
    // The server writes the cache after answering, on its own Redis connection: wait for it to land.
    await vi.waitFor(async () => expect(await redis.keys(`${prefix}:snapshot:production:*`)).toHaveLength(1), {
      timeout: 5_000,
      interval: 50,
    });

    // One stream connection per key, as configured: the second is refused.
    const stream = () =>
      new WebSocket(`${url.replace(/^http/, 'ws')}/sdk/stream`, { headers: { authorization: `Bearer ${key.body.secret as string}` } });
    const first = stream();
    await new Promise((resolve, reject) => {
      first.once('message', resolve);
      first.once('error', reject);
    });
    const second = stream();
    const outcome = await new Promise<string>((resolve) => {
      second.once('message', () => resolve('accepted'));
      second.once('close', (closeCode: number) => resolve(`closed with ${closeCode}`));
    });
    expect(outcome).toBe('closed with 4409');
    second.terminate();
    first.terminate();

    expect(await stop(switchyard)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('exits with code 1 and a message naming each bad variable, without a stack trace', async () => {
    const switchyard = spawnProcess('npm', ['start'], cleanEnv({ PORT: 'eighty', LOG_LEVEL: 'loud' }));
    running.add(switchyard);

    const exit = await switchyard.exited;
    running.delete(switchyard);

    const out = switchyard.output();
    expect(exit.code).toBe(1);
    expect(out).toContain('Invalid configuration:');
    expect(out).toMatch(/- PORT: must be a whole number from 0 to 65535/);
    expect(out).toMatch(/- LOG_LEVEL: must be one of/);
    expect(out).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('exits with code 1 and says what failed when the database cannot be reached', async () => {
    const switchyard = spawnProcess(
      'npm',
      ['start'],
      cleanEnv({ DATABASE_URL: 'postgresql://nobody:pw-not-shown@127.0.0.1:1/none', PORT: '0' }),
    );
    running.add(switchyard);

    const exit = await switchyard.exited;
    running.delete(switchyard);

    const out = switchyard.output();
    expect(exit.code).toBe(1);
    expect(out).toContain('Switchyard failed to start: Could not migrate the database at postgresql://127.0.0.1:1/none');
    expect(out).not.toContain('pw-not-shown');
    expect(out).not.toMatch(/^\s+at /m);
  }, 60_000);
});
