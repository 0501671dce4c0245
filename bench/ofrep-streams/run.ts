// npm run bench:ofrep-streams [-- --quick] [-- --out FILE] [-- --streams N]
// Resident memory of one replica holding N open OFREP event streams (server-sent events, the browser
// providers' live updates; default 1,000): RSS idle before, with the streams open, and the time one
// toggle takes to reach every stream (one change-bus notice fanned out in process). Goal: 1,000 streams
// cost under 50 MB.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminApi, seedFlags } from '../lib/admin-api.ts';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import { loadAverage, rssMb } from '../lib/proc.ts';
import { startBenchRedis } from '../lib/redis-process.ts';
import { benchDatabase, startServerProcess } from '../lib/server-process.ts';

const args = parseBenchArgs();
const streams = Number(args.values.get('streams') ?? 1000);
if (!Number.isInteger(streams) || streams < 1) throw new Error('--streams takes a positive whole number');
const settleMs = args.quick ? 2_000 : 10_000;
const ENVIRONMENT = 'production';

/** One open stream: counts the refetch events it received. */
type Stream = { request: http.ClientRequest; events: number };

function openStream(url: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const stream: Stream = { request: http.get(url, { agent: false }), events: 0 };
    stream.request.on('response', (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        stream.events += chunk.split('refetchEvaluation').length - 1;
      });
      resolve(stream);
    });
    stream.request.on('error', reject);
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;
const redis = await startBenchRedis();
const db = await benchDatabase();
const server = await startServerProcess({ DATABASE_URL: db.url, ...redis.env, SWITCHYARD_ADMIN_TOKEN: adminToken });
const loadAtStart = loadAverage();
const open: Stream[] = [];
let result: Record<string, string | number> | null = null;

try {
  const api = adminApi(server.url, adminToken);
  await seedFlags(api, ENVIRONMENT, 20);
  await api.createFlag('bench-streams', { clientSideAvailable: true });
  const clientKey = await api.createKey('client', ENVIRONMENT, 'bench-streams-client');
  const bulk = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ context: { targetingKey: 'user-1' } }),
  });
  const streamUri = ((await bulk.json()) as { eventStreams: { endpoint: { requestUri: string } }[] }).eventStreams[0]!.endpoint.requestUri;
  await sleep(settleMs);
  const before = rssMb(server.child.pid)!;

  // Opened in batches, as a crowd of browsers would arrive, not all in one tick.
  for (let i = 0; i < streams; i += 100) {
    const batch = Math.min(100, streams - i);
    open.push(...(await Promise.all(Array.from({ length: batch }, () => openStream(`${server.url}${streamUri}`)))));
  }
  await until('every stream has its first event', () => open.every((s) => s.events >= 1));
  await sleep(settleMs);
  const withStreams = rssMb(server.child.pid)!;

  const toggled = performance.now();
  await api.toggle('bench-streams', ENVIRONMENT, true);
  await until('every stream has the change', () => open.every((s) => s.events >= 2));
  const fanOutMs = Math.round(performance.now() - toggled);

  result = {
    streams,
    rssBeforeMb: before,
    rssWithStreamsMb: withStreams,
    costMb: Math.round((withStreams - before) * 10) / 10,
    kbPerStream: Math.round(((withStreams - before) * 1024) / streams),
    toggleToEveryStreamMs: fanOutMs,
    goal: withStreams - before < (50 * streams) / 1000 ? 'met (under 50 MB per 1,000)' : 'NOT met',
  };
} finally {
  for (const s of open) s.request.destroy();
  await server.stop();
  await redis.stop();
  await db.drop();
}

printTable([result!]);
console.log(
  `(load average ${loadAtStart} at start, ${loadAverage()} at the end${args.quick ? '; --quick: a smoke test, not a result' : ''})`,
);
if (args.out) writeJson(args.out, { machine: machine(), loadAverage: { start: loadAtStart, end: loadAverage() }, results: result });
