// npm run bench:http [-- --quick] [-- --out FILE] [-- --connections N] [-- --wait-idle SECONDS] [-- --profile DIR]
//   [-- --settle SECONDS] [-- --runtime compiled|source] [-- --node-args "ARGS"] [-- --only ID,ID...]
// Requests/s and p99 of the SDK endpoints of one replica (a child process, PostgreSQL and its own
// Redis), over loopback with autocannon: GET /sdk/snapshot (200 and 304) and POST /sdk/evaluate,
// each cached and uncached, and OFREP (bulk cached, 304 and uncached; single flag) under the same load.
// `--only` runs only the cases named by id (see CASE_IDS), e.g. `--only evaluate,ofrep-bulk` for the two
// cached rows the OFREP goal compares.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { adminApi, seedFlags } from '../lib/admin-api.ts';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import { cpuMeter, loadAverage, machineCpuMeter, rssMb, waitForQuietMachine } from '../lib/proc.ts';
import { startBenchRedis } from '../lib/redis-process.ts';
import { benchDatabase, describeReplicas, extraNodeArgs, serverRuntime, startServerProcess } from '../lib/server-process.ts';
import { percentile } from '../lib/stats.ts';

const args = parseBenchArgs();
const runtime = serverRuntime(args.values);
const replicaNodeArgs = extraNodeArgs(args.values);
const seconds = args.quick ? 3 : 10;
const connections = Number(args.values.get('connections') ?? 50);
const waitIdleSeconds = Number(args.values.get('wait-idle') ?? (args.quick ? 0 : 60));
const rebuilds = args.quick ? 50 : 300;
/** `--profile DIR`: the server writes a V8 CPU profile there when it stops. */
const profileDir = args.values.get('profile');
/** The cases, by the id `--only` takes, in the order they run. */
const CASE_IDS = [
  'snapshot',
  'snapshot-304',
  'evaluate',
  'evaluate-uncached',
  'ofrep-bulk',
  'ofrep-bulk-304',
  'ofrep-bulk-uncached',
  'ofrep-single',
  'snapshot-uncached',
] as const;
type CaseId = (typeof CASE_IDS)[number];
const only = args.values.has('only') ? (args.values.get('only') ?? '').split(',').filter(Boolean) : [...CASE_IDS];
const unknownIds = only.filter((id) => !(CASE_IDS as readonly string[]).includes(id));
if (unknownIds.length) throw new Error(`--only: unknown case ${unknownIds.join(', ')}; cases: ${CASE_IDS.join(', ')}`);
const selected = (id: CaseId) => only.includes(id);
const ENVIRONMENT = 'production';

type Row = {
  endpoint: string;
  cached: boolean;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  connections: number;
  errors: number;
  method: string;
  /**
   * Cores busy on the machine outside this benchmark's processes (server, Redis, autocannon) while the case ran;
   * PostgreSQL counts here.
   */
  otherBusyCores: number;
  /** The server process's CPU while the case ran (100 = one core): req/s per server core is reqPerSec / (serverCpuPct / 100). */
  serverCpuPct: number | null;
};

const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;
const redis = await startBenchRedis();
const db = await benchDatabase();
const server = await startServerProcess(
  { DATABASE_URL: db.url, ...redis.env, SWITCHYARD_ADMIN_TOKEN: adminToken },
  { nodeArgs: [...replicaNodeArgs, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])], runtime },
);
const loadAtStart = loadAverage();
const rows: Row[] = [];
let serverRss: number | null = null;
/** RSS again after the server has been idle this long: V8 gives back heap it grew under load only once idle. */
const settleSeconds = Number(args.values.get('settle') ?? (args.quick ? 10 : 30));
let serverRssAfterIdle: number | null = null;

try {
  const api = adminApi(server.url, adminToken);
  await seedFlags(api, ENVIRONMENT, 20);
  await api.createFlag('bench-http', { clientSideAvailable: true });
  const serverKey = await api.createKey('server', ENVIRONMENT, 'bench-http-server');
  const clientKey = await api.createKey('client', ENVIRONMENT, 'bench-http-client');
  const snapshotHeaders = { authorization: `Bearer ${serverKey}` };
  const evaluateHeaders = { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' };
  const context = (key: string) => ({ key, email: `${key}@example.org`, country: 'PT', plan: 'pro' });

  const first = await fetch(`${server.url}/sdk/snapshot`, { headers: snapshotHeaders });
  const etag = first.headers.get('etag')!;
  const snapshotBytes = (await first.arrayBuffer()).byteLength;
  await expectCacheHeader(server.url, evaluateHeaders, context('same-user'));
  const ofrepBody = (key: string) => {
    const { key: targetingKey, ...attributes } = context(key);
    return JSON.stringify({ context: { targetingKey, ...attributes } });
  };
  const ofrepEtag = await expectOfrepCaching(server.url, evaluateHeaders, ofrepBody('same-user'));

  let unique = 0;
  const cases: { id: CaseId; endpoint: string; cached: boolean; status: number; method: string; request: AutocannonRequest }[] = [
    {
      id: 'snapshot',
      endpoint: 'GET /sdk/snapshot',
      cached: true,
      status: 200,
      method: 'in-process snapshot of the current version',
      request: { method: 'GET', path: '/sdk/snapshot', headers: snapshotHeaders },
    },
    {
      id: 'snapshot-304',
      endpoint: 'GET /sdk/snapshot (If-None-Match -> 304)',
      cached: true,
      status: 304,
      method: 'matching ETag, no body',
      request: { method: 'GET', path: '/sdk/snapshot', headers: { ...snapshotHeaders, 'if-none-match': etag } },
    },
    {
      id: 'evaluate',
      endpoint: 'POST /sdk/evaluate',
      cached: true,
      status: 200,
      method: 'the same context every time (cache hit)',
      request: { method: 'POST', path: '/sdk/evaluate', headers: evaluateHeaders, body: JSON.stringify({ context: context('same-user') }) },
    },
    {
      id: 'evaluate-uncached',
      endpoint: 'POST /sdk/evaluate',
      cached: false,
      status: 200,
      method: 'a new context per request (every request misses: Redis GET, evaluation, Redis SET)',
      request: {
        method: 'POST',
        path: '/sdk/evaluate',
        headers: evaluateHeaders,
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ context: context(`user-${unique++}`) }) }),
      },
    },
    // OFREP (docs/ofrep.md): the same load, the same client key and contexts, in the same run.
    {
      id: 'ofrep-bulk',
      endpoint: 'POST /ofrep/v1/evaluate/flags',
      cached: true,
      status: 200,
      method: 'bulk, the same context every time (cache hit)',
      request: { method: 'POST', path: '/ofrep/v1/evaluate/flags', headers: evaluateHeaders, body: ofrepBody('same-user') },
    },
    {
      id: 'ofrep-bulk-304',
      endpoint: 'POST /ofrep/v1/evaluate/flags (If-None-Match -> 304)',
      cached: true,
      status: 304,
      method: 'bulk, matching ETag, no body',
      request: {
        method: 'POST',
        path: '/ofrep/v1/evaluate/flags',
        headers: { ...evaluateHeaders, 'if-none-match': ofrepEtag },
        body: ofrepBody('same-user'),
      },
    },
    {
      id: 'ofrep-bulk-uncached',
      endpoint: 'POST /ofrep/v1/evaluate/flags',
      cached: false,
      status: 200,
      method: 'bulk, a new context per request (every request misses: Redis GET, evaluation, Redis SET)',
      request: {
        method: 'POST',
        path: '/ofrep/v1/evaluate/flags',
        headers: evaluateHeaders,
        setupRequest: (request) => ({ ...request, body: ofrepBody(`ofrep-user-${unique++}`) }),
      },
    },
    {
      id: 'ofrep-single',
      endpoint: 'POST /ofrep/v1/evaluate/flags/{key}',
      cached: false,
      status: 200,
      method: 'single flag, the same context every time (evaluated per request: one flag costs less than a cache lookup)',
      request: { method: 'POST', path: '/ofrep/v1/evaluate/flags/bench-http', headers: evaluateHeaders, body: ofrepBody('same-user') },
    },
  ];

  for (const c of cases.filter((c) => selected(c.id))) {
    await waitForQuietMachine(waitIdleSeconds);
    await autocannon({ url: server.url, connections, duration: 1, requests: [c.request] }); // warm-up
    const meter = othersMeter();
    meter.start();
    const run = await autocannon({ url: server.url, connections, duration: seconds, requests: [c.request] });
    const expected = run.statusCodeStats[String(c.status)]?.count ?? 0;
    const total = Object.values(run.statusCodeStats).reduce((s, x) => s + x.count, 0);
    rows.push({
      endpoint: c.endpoint,
      cached: c.cached,
      reqPerSec: Math.round(run.requests.average),
      p50Ms: run.latency.p50,
      p99Ms: run.latency.p99,
      connections,
      errors: run.errors + run.timeouts + (total - expected),
      method: c.method,
      ...meter.stop(),
    });
    serverRss = Math.max(serverRss ?? 0, rssMb(server.child.pid) ?? 0);
  }
  if (selected('snapshot-uncached')) rows.push(await uncachedSnapshot(server.url, api, snapshotHeaders));
  const sdkCached = rows.find((r) => r.endpoint === 'POST /sdk/evaluate' && r.cached);
  const bulkCached = rows.find((r) => r.endpoint === 'POST /ofrep/v1/evaluate/flags' && r.cached);
  if (sdkCached && bulkCached) {
    const share = Math.round((100 * bulkCached.reqPerSec) / sdkCached.reqPerSec);
    console.log(
      `OFREP bulk (cached) at ${share} % of /sdk/evaluate (cached) req/s, p99 ${bulkCached.p99Ms} ms ` +
        `(goals: at least 80 %, p99 under 20 ms: ${share >= 80 && bulkCached.p99Ms < 20 ? 'met' : 'NOT met'})`,
    );
  }
  await sleep(settleSeconds * 1000);
  serverRssAfterIdle = rssMb(server.child.pid);
  console.log(`(snapshot: ${snapshotBytes} bytes, ${21} flags; evaluation: 11 client-visible flags per answer)`);
} finally {
  await server.stop();
  await db.drop();
  await redis.stop();
}

report();

/** Cores used by processes other than the server, Redis and this one (PostgreSQL included) between start() and stop(). */
function othersMeter() {
  const machineMeter = machineCpuMeter();
  const ours = [cpuMeter(server.child.pid), cpuMeter(redis.pid), cpuMeter(process.pid)];
  return {
    start() {
      for (const m of [machineMeter, ...ours]) m.start();
    },
    stop(): { otherBusyCores: number; serverCpuPct: number | null } {
      const busy = machineMeter.stop();
      const cpu = ours.map((m) => m.stop());
      const own = cpu.reduce<number>((s, x) => s + (x ?? 0), 0) / 100;
      return { otherBusyCores: Math.max(0, Math.round((busy - own) * 100) / 100), serverCpuPct: cpu[0] ?? null };
    },
  };
}

/** Checks what the cases rely on: the second identical request is a cache hit, a new context a miss. */
async function expectCacheHeader(url: string, headers: Record<string, string>, context: Record<string, string>) {
  const ask = async (body: unknown) =>
    (await fetch(`${url}/sdk/evaluate`, { method: 'POST', headers, body: JSON.stringify(body) })).headers.get('x-switchyard-cache');
  await ask({ context });
  const again = await ask({ context });
  const other = await ask({ context: { ...context, key: `${context.key}-other` } });
  if (again !== 'hit' || other !== 'miss') throw new Error(`unexpected evaluation cache behaviour: repeat ${again}, new context ${other}`);
}

/** Checks what the OFREP cases rely on: a repeated bulk request is a cache hit and its ETag gives 304. Returns that ETag. */
async function expectOfrepCaching(url: string, headers: Record<string, string>, body: string): Promise<string> {
  const ask = (extra: Record<string, string> = {}) =>
    fetch(`${url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { ...headers, ...extra }, body });
  await (await ask()).arrayBuffer();
  const again = await ask();
  await again.arrayBuffer();
  const etag = again.headers.get('etag') ?? '';
  const unchanged = await ask({ 'if-none-match': etag });
  if (again.headers.get('x-switchyard-cache') !== 'hit' || unchanged.status !== 304) {
    throw new Error(`unexpected OFREP caching: repeat ${again.headers.get('x-switchyard-cache')}, If-None-Match ${unchanged.status}`);
  }
  return etag;
}

/**
 * The server has no switch to bypass its snapshot cache, and 50 concurrent requests for a version
 * that is not cached share one rebuild by design. So the uncached cost is measured as what it is:
 * the first request after a change. Sequentially: toggle a flag (not timed), then time one GET,
 * which finds neither its process cache nor Redis holding the new version and reads PostgreSQL
 * (and writes Redis). reqPerSec here is 1000 / mean latency of those GETs, on one connection.
 */
async function uncachedSnapshot(url: string, api: ReturnType<typeof adminApi>, headers: Record<string, string>): Promise<Row> {
  const latencies: number[] = [];
  const meter = othersMeter();
  let previous = '';
  let on = false;
  await waitForQuietMachine(waitIdleSeconds);
  meter.start();
  for (let i = 0; i < rebuilds; i++) {
    await api.toggle('bench-http', ENVIRONMENT, (on = !on));
    const started = performance.now();
    const response = await fetch(`${url}/sdk/snapshot`, { headers });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    const etag = response.headers.get('etag') ?? '';
    if (response.status !== 200 || etag === previous)
      throw new Error(`uncached snapshot: expected a new version, got ${response.status} ${etag}`);
    previous = etag;
  }
  const cpu = meter.stop();
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const ms = (x: number) => Math.round(x * 100) / 100;
  return {
    endpoint: 'GET /sdk/snapshot',
    cached: false,
    reqPerSec: Math.round(1000 / mean),
    p50Ms: ms(percentile(latencies, 50)),
    p99Ms: ms(percentile(latencies, 99)),
    connections: 1,
    errors: 0,
    method: `first GET after a toggle, ${rebuilds} times in sequence (PostgreSQL read + Redis write); req/s = 1000 / mean`,
    ...cpu,
  };
}

function report(): void {
  console.log(
    `\nSDK endpoints of one replica (own process; PostgreSQL, ${redis.private ? 'a private Redis' : 'shared Redis'}), ` +
      `autocannon over loopback, ${seconds} s per case after 1 s of warm-up`,
  );
  console.log(
    `Load average ${loadAtStart} at start, ${loadAverage()} at the end; ` +
      `server RSS after the cases ${serverRss} MB, ${serverRssAfterIdle} MB after ${settleSeconds} s idle`,
  );
  console.log(`Machine: ${JSON.stringify(machine())}; ${describeReplicas(runtime, replicaNodeArgs)}\n`);
  printTable(
    rows.map((r) => ({
      endpoint: r.endpoint,
      cached: String(r.cached),
      'req/s': r.reqPerSec,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      conns: r.connections,
      errors: r.errors,
      'server CPU %': r.serverCpuPct ?? '',
      'other cores busy': r.otherBusyCores,
    })),
  );
  console.log(`\nHow: ${rows.map((r) => `${r.endpoint}${r.cached ? '' : ' uncached'}: ${r.method}`).join('; ')}`);
  console.log(
    '\nFor comparison, NOT measured in this run (measured earlier on this machine type, issue 4): Unleash 8.2\n' +
      '  client features API ~1,700 req/s; frontend (evaluation) API ~1,450 req/s; p99 60-80 ms.',
  );
  console.log('Goals: snapshot >= 17,000 req/s, remote evaluation >= 7,500 req/s, p99 < 20 ms.');
  if (args.out)
    writeJson(args.out, {
      machine: machine(),
      runtime,
      nodeArgs: replicaNodeArgs,
      seconds,
      connections,
      loadAverageAtStart: loadAtStart,
      serverRssMb: serverRss,
      serverRssAfterIdleMb: serverRssAfterIdle,
      settleSeconds,
      results: rows,
    });
}
