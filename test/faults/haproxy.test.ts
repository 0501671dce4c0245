/**
 * The load balancer of docker-compose.yml: HAProxy with deploy/haproxy.cfg, in front of two real
 * replicas (`server/start.sh` child processes) on a PostgreSQL and a Redis of the test's own. The file
 * is used as shipped, except what only makes sense inside Docker: the DNS discovery of replicas is
 * replaced by their two local addresses, and it listens on a spare local port.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../server/src/auth/secrets.ts';
import { seedOnFirstStart } from '../../server/src/bootstrap.ts';
import { createPrisma, type PrismaClient } from '../../server/src/db/prisma.ts';
import type { ProxyTarget } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, environmentVersion } from './helpers/fleet.ts';
import { call, ok } from './helpers/http.ts';
import { freePort } from './helpers/ports.ts';
import { PrivatePostgres } from './helpers/private-postgres.ts';
import { killAndWait } from './helpers/processes.ts';
import { PrivateRedis } from './helpers/redis-server.ts';
import { ReplicaProcess } from './helpers/replica-process.ts';

const SHIPPED_CONFIG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));
const probe = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
const HAPROXY_VERSION = probe.error ? null : (probe.stdout.split('\n')[0] ?? 'haproxy');

/** Replaces what `pattern` matches, which must match exactly `times` times (so a changed file fails here, loudly). */
function replaceExactly(text: string, pattern: RegExp, replacement: string, times: number): string {
  const found = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
  if (found !== times) throw new Error(`expected ${times} match(es) of ${pattern} in deploy/haproxy.cfg, found ${found}`);
  return text.replace(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`), replacement);
}

/** deploy/haproxy.cfg with the replicas at `replicas`, listening on 127.0.0.1:`port`, with a stats socket. */
function localConfig(shipped: string, port: number, replicas: ProxyTarget[], statsSocket: string): string {
  let config = replaceExactly(shipped, /^resolvers docker\n(?: {2}.*\n)+/m, '', 1);
  config = replaceExactly(config, /^ {2}bind :4242$/m, `  bind 127.0.0.1:${port}`, 1);
  const servers = replicas.map((r, i) => `  server replica${i} ${r.host}:${r.port} check`).join('\n');
  config = replaceExactly(config, /^ {2}server-template switchyard 10 switchyard:4242 check resolvers docker init-addr none$/m, servers, 2);
  return replaceExactly(config, /^global\n/m, `global\n  stats socket ${statsSocket} mode 600 level admin\n`, 1);
}

/** The state of each server in HAProxy's own words (`show stat`): `backend/server` -> status and current sessions. */
async function haproxyStats(socketPath: string): Promise<Map<string, { status: string; sessions: number }>> {
  const csv = await new Promise<string>((resolve, reject) => {
    let text = '';
    const socket = net.connect(socketPath, () => socket.end('show stat\n'));
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const stats = new Map<string, { status: string; sessions: number }>();
  for (const row of rows) {
    const cells = row.split(',');
    stats.set(`${cells[at('pxname')]}/${cells[at('svname')]}`, { status: cells[at('status')]!, sessions: Number(cells[at('scur')]) });
  }
  return stats;
}

const user = { key: 'user-1' };

describe.skipIf(!HAPROXY_VERSION)(
  'deploy/haproxy.cfg in front of two replicas ' +
    `(${HAPROXY_VERSION ?? 'SKIPPED: haproxy is not installed; `apt-get install haproxy`, as .ci/run does'})`,
  () => {
    let pg: PrivatePostgres;
    let redis: PrivateRedis;
    let inspector: PrismaClient;
    let adminToken: string;
    let replicas: [ReplicaProcess, ReplicaProcess];
    let dir: string;
    let statsSocket: string;
    let balancer: ReturnType<typeof spawn>;
    let balancerOutput = '';
    let lb: string;
    const clients = new ClientPool();
    const stats = () => haproxyStats(statsSocket);
    /** How many replicas `backend` has UP (its BACKEND row, the sum, left out). */
    const upIn = async (backend: string) =>
      [...(await stats())].filter(([name, s]) => name.startsWith(`${backend}/replica`) && s.status === 'UP').length;

    beforeAll(async () => {
      [pg, redis] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start()]);
      inspector = createPrisma(pg.databaseUrl, 2);
      adminToken = generateSecret('admin');
      await seedOnFirstStart(inspector, { adminToken });
      const env = { DATABASE_URL: pg.databaseUrl, REDIS_URL: redis.url, SWITCHYARD_ADMIN_TOKEN: adminToken };
      replicas = (await Promise.all([ReplicaProcess.start(env), ReplicaProcess.start(env)])) as [ReplicaProcess, ReplicaProcess];

      dir = await mkdtemp(path.join(tmpdir(), 'sy-haproxy-'));
      statsSocket = path.join(dir, 'stats.sock');
      const port = await freePort();
      lb = `http://127.0.0.1:${port}`;
      const configFile = path.join(dir, 'haproxy.cfg');
      await writeFile(
        configFile,
        localConfig(
          await readFile(SHIPPED_CONFIG, 'utf8'),
          port,
          replicas.map((r) => r.target),
          statsSocket,
        ),
      );
      balancer = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      balancer.stdout!.on('data', (d: Buffer) => (balancerOutput += d.toString()));
      balancer.stderr!.on('data', (d: Buffer) => (balancerOutput += d.toString()));
      await until(
        'HAProxy sends /readyz to a replica',
        async () => {
          if (balancer.exitCode !== null) throw new Error(`haproxy exited (${balancer.exitCode}): ${balancerOutput}`);
          return (await upIn('ready')) === 2 && (await call(lb, 'GET', '/readyz')).status === 200;
        },
        20_000,
        100,
      );
    }, 120_000);

    afterAll(async () => {
      await clients.closeAll();
      if (balancer) await killAndWait(balancer);
      await Promise.all(replicas?.map((r) => r.kill()) ?? []);
      await inspector?.$disconnect();
      await Promise.all([pg?.destroy(), redis?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('accepts the shipped file as it is (haproxy -c), Docker DNS discovery and all', () => {
      const check = spawnSync('haproxy', ['-c', '-f', SHIPPED_CONFIG], { encoding: 'utf8' });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    });

    it('carries the API and websocket streams, spread over both replicas; a toggle through it reaches every client', async () => {
      const { serverKey } = await createKeys(lb, adminToken);
      await ok(lb, 'POST', '/api/flags', { token: adminToken, body: { key: 'checkout', name: 'checkout', kind: 'boolean' } });
      const fleet = Array.from({ length: 6 }, () => clients.open({ url: lb, sdkKey: serverKey }));
      for (const client of fleet) expect(await client.ready()).toBe(true);
      await until('every client is streaming', () => fleet.every((c) => c.status === 'streaming'));

      const sessions = [...(await stats())].filter(([name]) => name.startsWith('ready/replica')).map(([, s]) => s.sessions);
      expect(sessions).toHaveLength(2);
      for (const count of sessions) expect(count, `streams per replica: ${sessions}`).toBeGreaterThanOrEqual(2);

      await ok(lb, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on: true } });
      const version = await environmentVersion(inspector);
      await until('every client has the toggle', () => fleet.every((c) => c.version === version && c.isEnabled('checkout', user)), 10_000);
    }, 60_000);

    it('keeps answering when a replica is killed: requests go to the other at once, streams reconnect, the replica rejoins', async () => {
      const [a, b] = replicas;
      await a.kill();

      // Before any health check noticed: a refused connection is retried on the other replica (retries, redispatch).
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(lb, 'GET', '/readyz')));
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));

      await until('HAProxy marks the killed replica down', async () => (await upIn('ready')) === 1, 15_000, 200);
      await ok(lb, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on: false } });
      const version = await environmentVersion(inspector);
      await until(
        'every client streams from the remaining replica and has the toggle',
        () => clients.all.every((c) => c.status === 'streaming' && c.version === version && !c.isEnabled('checkout', user)),
        15_000,
      );
      expect((await stats()).get(`ready/replica${replicas.indexOf(b)}`)?.sessions).toBeGreaterThanOrEqual(clients.all.length);

      await a.start();
      await until('HAProxy takes the replica back', async () => (await upIn('ready')) + (await upIn('alive')) === 4, 15_000, 200);
    }, 60_000);

    it('when PostgreSQL is down for every replica, sends traffic to the live ones: SDK reads go on, writes get a clear 503', async () => {
      const { serverKey } = await createKeys(lb, adminToken);
      // An application that was running: each replica has served this key before the outage.
      for (const replica of replicas) expect((await call(replica.url, 'GET', '/sdk/snapshot', { token: serverKey })).status).toBe(200);
      const version = await environmentVersion(inspector);

      await pg.stop();
      await until(
        'no replica is ready any more, both are alive',
        async () => (await upIn('ready')) === 0 && (await upIn('alive')) === 2,
        20_000,
        200,
      );

      for (let i = 0; i < 4; i++) {
        const snapshot = await call(lb, 'GET', '/sdk/snapshot', { token: serverKey });
        expect(snapshot.status).toBe(200);
        expect(snapshot.body.version).toBe(version);
      }
      const write = await call(lb, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on: true } });
      expect(write.status).toBe(503);
      expect(write.body).toMatchObject({ error: 'unavailable' }); // Switchyard's answer, not HAProxy's page
      expect(clients.all.every((c) => c.status === 'streaming')).toBe(true);

      await pg.start();
      await until('the replicas are ready again', async () => (await upIn('ready')) === 2, 30_000, 200);
      // A pool may still hold a connection from before the restart: the first write can get one more 503.
      const toggle = () =>
        call(lb, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on: true } });
      await until('a write through the balancer succeeds', async () => (await toggle()).status === 200, 20_000, 200);
      const after = await environmentVersion(inspector);
      await until('every client has the write made after the outage', () => clients.all.every((c) => c.version === after), 15_000);
    }, 90_000);
  },
);
