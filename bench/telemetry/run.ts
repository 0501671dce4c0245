// npm run bench:telemetry [-- --quick] [-- --out FILE] [-- --instances N] [-- --flags N] [-- --seconds S]
//   [-- --interval-ms MS] [-- --load-processes K] [-- --runtime compiled|source] [-- --wait-idle SECONDS]
// Two server replicas (child processes sharing one PostgreSQL database and one Redis) and N real SDK
// clients (in K load processes) with F flags each, evaluating every flag once a second and reporting
// metrics every 10 s, half to each replica. While measuring: reports accepted per second, the latency
// of POST /sdk/metrics as the SDK sees it (p50/p99), each replica's CPU. Then every client closes
// (sending its last report), the replicas fold what they received, and the counts stored in
// PostgreSQL are compared with the evaluations the clients made. In the same run, the baseline:
// bench:eval's client rows with and without counting, paired in one process (evalOverheadPct).
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { adminApi } from '../lib/admin-api.ts';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import { cpuMeter, loadAverage, waitForQuietMachine } from '../lib/proc.ts';
import { startBenchRedis } from '../lib/redis-process.ts';
import { benchDatabase, describeReplicas, extraNodeArgs, serverRuntime, startServerProcess } from '../lib/server-process.ts';
import { percentile } from '../lib/stats.ts';
import type { ChildMessage, LoadConfig, LoadStats, ParentMessage } from './load.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const args = parseBenchArgs();
const runtime = serverRuntime(args.values);
const replicaNodeArgs = extraNodeArgs(args.values);
const instances = Number(args.values.get('instances') ?? 2000);
const flagCount = Number(args.values.get('flags') ?? 200);
const intervalMs = Number(args.values.get('interval-ms') ?? 10_000);
/** Measured seconds, after every instance started and one full interval passed. */
const seconds = Number(args.values.get('seconds') ?? (args.quick ? 30 : 120));
const loadProcesses = Number(args.values.get('load-processes') ?? 4);
const waitIdleSeconds = Number(args.values.get('wait-idle') ?? (args.quick ? 0 : 60));
for (const n of [instances, flagCount, intervalMs, seconds, loadProcesses]) {
  if (!Number.isInteger(n) || n < 1)
    throw new Error('--instances, --flags, --interval-ms, --seconds and --load-processes take whole numbers');
}
const ENVIRONMENT = 'production';
const EVENT_KEY = 'bench-latency-ms';

const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;
const redis = await startBenchRedis();
const db = await benchDatabase();
// At debug each replica logs one line per request with its time in milliseconds: the ingest latency
// as the server sees it (from the request's arrival to its answer), without the load processes' own
// pauses (garbage collection of a thousand clients' rules) that the SDK-side timing includes.
const serverEnv = { DATABASE_URL: db.url, ...redis.env, SWITCHYARD_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'debug' };
const workDir = mkdtempSync(path.join(os.tmpdir(), 'sy-telemetry-'));
const loadAtStart = loadAverage();
const children: ChildProcess[] = [];

/** Waits for the next message of `type` from every load process. */
function fromAll<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>[]> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no "${type}" from a load process within ${timeoutMs} ms`)), timeoutMs);
          const onMessage = (message: ChildMessage) => {
            if (message.type === 'error') reject(new Error(message.message));
            else if (message.type !== type) return;
            else resolve(message as Extract<ChildMessage, { type: T }>);
            clearTimeout(timer);
            child.off('message', onMessage);
          };
          child.on('message', onMessage);
        }),
    ),
  );
}
const toAll = (message: ParentMessage) => {
  for (const child of children) child.send(message);
};

async function query<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Server-side times (ms) of the metrics posts a replica answered between `from` and `to` (epoch ms). */
function serverLatencies(output: string, from: number, to: number): number[] {
  const times: number[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"/sdk/metrics"')) continue;
    try {
      const entry = JSON.parse(line) as { time?: number; method?: string; responseTime?: number; statusCode?: number };
      if (entry.method !== 'POST' || entry.statusCode !== 202 || entry.time === undefined || entry.responseTime === undefined) continue;
      if (entry.time >= from && entry.time <= to) times.push(entry.responseTime);
    } catch {
      // not a log line
    }
  }
  return times;
}

/** evalOverheadPct: bench:eval's two client rows, with and without counting, paired in one process (bench/eval/paired.ts). */
function evalOverhead(): { byCase: Record<string, { withoutNs: number; withNs: number; overheadPct: number }>; maxPct: number } {
  const out = path.join(workDir, 'paired.json');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/eval/paired.ts', '--out', out, ...(args.quick ? ['--blocks', '40'] : [])],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (run.status !== 0) throw new Error(`bench/eval/paired.ts failed (${run.status})`);
  const byCase = (
    JSON.parse(readFileSync(out, 'utf8')) as { results: Record<string, { withoutNs: number; withNs: number; overheadPct: number }> }
  ).results;
  return { byCase, maxPct: Math.max(...Object.values(byCase).map((c) => c.overheadPct)) };
}

try {
  const idle = await waitForQuietMachine(waitIdleSeconds);
  const replicas = await Promise.all([0, 1].map(() => startServerProcess(serverEnv, { runtime, nodeArgs: replicaNodeArgs })));
  const api = adminApi(replicas[0]!.url, adminToken);
  for (let i = 0; i < flagCount; i++) {
    const key = `flag-${i}`;
    await api.createFlag(key);
    // Every other flag is a 50 % rollout, so the counts are spread over both variations.
    await api.setConfig(key, ENVIRONMENT, {
      on: true,
      offVariation: 1,
      fallthrough:
        i % 2 === 0
          ? {
              rollout: {
                variations: [
                  { variation: 0, weight: 50_000 },
                  { variation: 1, weight: 50_000 },
                ],
              },
            }
          : { variation: 0 },
    });
  }
  const sdkKey = await api.createKey('server', ENVIRONMENT, 'bench-telemetry');
  const snapshot = await (await fetch(`${replicas[0]!.url}/sdk/snapshot`, { headers: { authorization: `Bearer ${sdkKey}` } })).json();
  const snapshotFile = path.join(workDir, 'snapshot.json');
  writeFileSync(snapshotFile, JSON.stringify(snapshot));

  const perProcess = Math.ceil(instances / loadProcesses);
  for (let k = 0; k < loadProcesses; k++) {
    const child = fork(path.join(here, 'load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    // The load shares the 2 cores with what is measured: at the lowest priority, its bursts (a
    // thousand clients' evaluations and garbage collection) wait for the replicas and PostgreSQL
    // instead of delaying them.
    os.setPriority(child.pid!, 19);
    const config: LoadConfig = {
      replicas: replicas.map((r) => r.url),
      sdkKey,
      snapshotFile,
      first: k * perProcess,
      count: Math.max(0, Math.min(perProcess, instances - k * perProcess)),
      metricsIntervalMs: intervalMs,
      rampMs: intervalMs,
    };
    child.send({ type: 'start', config } satisfies ParentMessage);
  }
  await fromAll('started', 120_000);
  // One full interval after the last instance started, every instance is reporting on its own rhythm.
  await sleep(intervalMs);

  const meters = replicas.map((r) => cpuMeter(r.child.pid));
  for (const m of meters) m.start();
  toAll({ type: 'measure' });
  const measuredFrom = Date.now();
  await sleep(seconds * 1000);
  toAll({ type: 'collect' });
  const measuredTo = Date.now();
  const cpuPct = meters.map((m) => m.stop());
  const stats: LoadStats[] = (await fromAll('stats', 30_000)).map((m) => m.stats);

  toAll({ type: 'finish' });
  const finished = await fromAll('finished', 120_000);
  const countsSent = finished.reduce((n, m) => n + m.evaluations, 0);
  const eventsSent = finished.reduce((n, m) => n + m.events, 0);
  const failedTotal = finished.reduce((n, m) => n + m.failedTotal, 0);

  // The replicas fold on their own, about once a second: wait until nothing received is left unfolded.
  const deadline = Date.now() + 120_000;
  while ((await query<{ n: string }>(`SELECT count(*) AS n FROM "MetricsReport" WHERE "foldedAt" IS NULL`))[0]!.n !== '0') {
    if (Date.now() > deadline) throw new Error('reports still unfolded after 120 s');
    await sleep(500);
  }
  const [stored] = await query<{ evaluations: string | null; dropped: string | null; instances: string }>(
    `SELECT (SELECT sum(count) FROM "FlagEvaluationRollup") AS evaluations,
            (SELECT sum("droppedEvaluations") FROM "SdkInstance") AS dropped,
            (SELECT count(*) FROM "SdkInstance") AS instances`,
  );
  const [storedEvents] = await query<{ n: string | null }>(
    `SELECT sum(count) AS n FROM "CustomEventRollup" WHERE "eventKey" = '${EVENT_KEY}'`,
  );
  const countsStored = Number(stored!.evaluations ?? 0);
  const droppedEvaluations = Number(stored!.dropped ?? 0);

  const latencies = stats.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  const serverSide = replicas.flatMap((r) => serverLatencies(r.output(), measuredFrom, measuredTo)).sort((a, b) => a - b);
  const accepted = stats.reduce((n, s) => n + s.accepted, 0);
  const failed = stats.reduce((n, s) => n + s.failed, 0);
  for (const child of children) child.send({ type: 'exit' } satisfies ParentMessage);
  await Promise.all(replicas.map((r) => r.stop()));

  const overhead = evalOverhead();
  const result = {
    instances,
    flags: flagCount,
    intervalMs,
    measuredSeconds: seconds,
    reportsPerSec: Math.round((accepted / seconds) * 10) / 10,
    reportsFailed: failed,
    reportsFailedInRun: failedTotal,
    /** As the server timed them: from the request's arrival to its answer. */
    ingestP50Ms: Math.round(percentile(serverSide, 50) * 10) / 10,
    ingestP99Ms: Math.round(percentile(serverSide, 99) * 10) / 10,
    ingestMaxMs: Math.round((serverSide.at(-1) ?? 0) * 10) / 10,
    serverTimedRequests: serverSide.length,
    /** As the SDKs timed them, including the load processes' own event-loop and GC pauses. */
    sdkSideP50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    sdkSideP99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
    serverCpuPct: cpuPct,
    countsSent,
    countsStored,
    droppedEvaluations,
    eventsSent,
    eventsStored: Number(storedEvents!.n ?? 0),
    sdkInstancesSeen: Number(stored!.instances),
    evalOverheadPct: overhead.maxPct,
    evalOverheadByCase: overhead.byCase,
    [describeReplicas(runtime, replicaNodeArgs)]: true,
    machine: machine(),
    loadAverageAtStart: loadAtStart,
    idleWaitSeconds: idle,
    quick: args.quick,
  };
  printTable([
    {
      instances,
      flags: flagCount,
      'reports/s': result.reportsPerSec,
      'ingest p50 ms': result.ingestP50Ms,
      'ingest p99 ms': result.ingestP99Ms,
      'sdk-side p99 ms': result.sdkSideP99Ms,
      'cpu % A': cpuPct[0] ?? '?',
      'cpu % B': cpuPct[1] ?? '?',
      sent: countsSent,
      stored: countsStored,
      dropped: droppedEvaluations,
      'eval overhead %': overhead.maxPct,
    },
  ]);
  const verdict =
    countsStored === countsSent - droppedEvaluations && result.eventsStored === eventsSent ? 'EXACT' : 'MISMATCH (counts lost or doubled)';
  console.log(`counts: ${verdict}; events sent ${eventsSent}, stored ${result.eventsStored}`);
  if (args.out) writeJson(args.out, result);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await db.drop().catch(() => undefined);
  await redis.stop().catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
}
