import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createEmptyDatabase, query } from '../../helpers/database.ts';
import { cleanEnv, type Spawned, spawnProcess } from './spawn.ts';

// SWITCHYARD_ADMIN_TOKEN as operators use it: `npm start` in real child processes, replicas sharing
// one database, the value changed between starts (the compose file used to ship a public default).

const NAME = 'admin (SWITCHYARD_ADMIN_TOKEN)';

const cleanups: (() => Promise<unknown>)[] = [];
const running = new Set<Spawned>();
afterAll(async () => {
  for (const spawned of running) spawned.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function npmStartProcess(env: Record<string, string>): Spawned {
  const switchyard = spawnProcess('npm', ['start'], cleanEnv({ HOST: '127.0.0.1', PORT: '0', ...env }));
  running.add(switchyard);
  return switchyard;
}

async function npmStart(env: Record<string, string>): Promise<{ switchyard: Spawned; url: string }> {
  const switchyard = npmStartProcess(env);
  const [, url] = await switchyard.waitFor(/Switchyard listening on (http:\/\/\S+)/);
  return { switchyard, url: url! };
}

async function stop(switchyard: Spawned) {
  switchyard.child.kill('SIGTERM');
  const exit = await switchyard.exited;
  running.delete(switchyard);
  return exit;
}

async function get(url: string, route: string, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** A database of its own on the suite's PostgreSQL, and a Redis prefix no one else uses. */
async function ownServices(): Promise<Record<string, string>> {
  const db = await createEmptyDatabase(inject('databaseUrl'));
  cleanups.push(db.drop);
  const prefix = `sy-admin-token-${randomBytes(4).toString('hex')}`;
  cleanups.push(async () => {
    const redis = new Redis(inject('redisUrl'));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  return { DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'), SWITCHYARD_REDIS_PREFIX: prefix };
}

/** What an operator would set: `openssl rand -base64 32`. */
const chosenSecret = () => randomBytes(32).toString('base64');

describe('npm start with SWITCHYARD_ADMIN_TOKEN', () => {
  it('refuses the compose file’s old public default: exits 1 naming the variable, before touching the database', async () => {
    const services = await ownServices();
    const placeholder = 'change-me-to-a-long-random-secret';
    const switchyard = npmStartProcess({ ...services, SWITCHYARD_ADMIN_TOKEN: placeholder });

    // waitFor fails as soon as the process exits without having started.
    const started = await switchyard.waitFor(/Switchyard listening on/).then(
      () => true,
      () => false,
    );
    switchyard.kill();
    const exit = await switchyard.exited;
    running.delete(switchyard);

    const out = switchyard.output();
    expect(started, `it started with the placeholder as its admin token:\n${out}`).toBe(false);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(out).toContain('Invalid configuration:');
    expect(out).toMatch(/- SWITCHYARD_ADMIN_TOKEN: looks like a placeholder, not a secret/);
    expect(out).not.toContain(placeholder);
    expect(out).not.toMatch(/^\s+at /m);
    const tables = await query(services.DATABASE_URL!, `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables).toEqual([]);
  }, 60_000);

  it('replaces the token when the value changes: the old value is refused at once, on replicas still running too', async () => {
    const services = await ownServices();
    const [a, b] = [chosenSecret(), chosenSecret()];

    const first = await npmStart({ ...services, SWITCHYARD_ADMIN_TOKEN: a });
    expect((await get(first.url, '/api/tokens', a)).status).toBe(200);

    // A rolling update: a replica with the new value starts while the first still serves.
    const second = await npmStart({ ...services, SWITCHYARD_ADMIN_TOKEN: b });
    for (const url of [first.url, second.url]) {
      expect((await get(url, '/api/tokens', a)).status, `the old value on ${url}`).toBe(401);
      expect((await get(url, '/api/tokens', b)).status, `the new value on ${url}`).toBe(200);
    }

    const active = (await get(second.url, '/api/tokens?kind=admin', b)).body.items as { name: string; prefix: string }[];
    expect(active.map((token) => token.name)).toEqual([NAME]);
    expect(active[0]!.prefix).toBe(b.slice(0, 4));
    const all = (await get(second.url, '/api/tokens?kind=admin&includeRevoked=true', b)).body.items as { revokedAt: string | null }[];
    expect(all.map((token) => token.revokedAt === null)).toEqual([false, true]);
    const audit = (await get(second.url, '/api/audit?actor=system', b)).body.items as { action: string }[];
    expect(audit.map((event) => event.action)).toEqual(['token.revoked', 'token.created', 'token.created']);
    expect(first.switchyard.output()).toContain('Admin token: created the token of SWITCHYARD_ADMIN_TOKEN\n');
    expect(second.switchyard.output()).toContain(
      'Admin token: created the token of SWITCHYARD_ADMIN_TOKEN; revoked the token of its earlier value\n',
    );

    expect(await stop(first.switchyard)).toEqual({ code: 0, signal: null });
    expect(await stop(second.switchyard)).toEqual({ code: 0, signal: null });

    // A replica that still has the old value (a late restart during the update) does not bring it back.
    const stale = await npmStart({ ...services, SWITCHYARD_ADMIN_TOKEN: a });
    expect(stale.switchyard.output()).toContain('Warning: SWITCHYARD_ADMIN_TOKEN is a revoked admin token');
    expect((await get(stale.url, '/api/tokens', a)).status).toBe(401);
    expect((await get(stale.url, '/api/tokens', b)).status).toBe(200);
    expect(await stop(stale.switchyard)).toEqual({ code: 0, signal: null });

    for (const { switchyard } of [first, second, stale]) {
      expect(switchyard.output()).not.toContain(a);
      expect(switchyard.output()).not.toContain(b);
    }
  }, 120_000);
});
