// npm run bench:soak [-- --quick] [-- --out FILE] [-- --clients N] [-- --seconds S] [-- --eval-rate R]
//   [-- --runtime compiled|source] [-- --node-args "ARGS"]
// A bounded soak: two replicas (child processes sharing one PostgreSQL database and a private Redis),
// N real SDK clients (createClient) in this process spread over both, one toggle per second through
// the replicas' admin API in turn, and a steady remote-evaluation load with a client key. Reports per
// window the propagation latency, errors and the servers' RSS; goals: no errors, flat RSS.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type FlagsClient } from '@switchyard/sdk';
import { adminApi, seedFlags } from '../lib/admin-api.ts';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import { loadAverage } from '../lib/proc.ts';
import { startBenchRedis } from '../lib/redis-process.ts';
import {
  benchDatabase,
  describeReplicas,
  extraNodeArgs,
  type ServerProcess,
  serverRuntime,
  startServerProcess,
} from '../lib/server-process.ts';
import { percentile } from '../lib/stats.ts';
import { EvalLoad } from './eval-load.ts';
import { PropagationTracker } from './propagation.ts';

const args = parseBenchArgs();
const runtime = serverRuntime(args.values);
const replicaNodeArgs = extraNodeArgs(args.values);
const seconds = Number(args.values.get('seconds') ?? (args.quick ? 60 : 300));
const windowSeconds = args.quick ? 10 : 30;
const clientCount = Number(args.values.get('clients') ?? 1000);
const evalRate = Number(args.values.get('eval-rate') ?? 50);
for (const [name, value] of Object.entries({ seconds, clients: clientCount, 'eval-rate': evalRate })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive whole number`);
}
const ENVIRONMENT = 'production';
const FLAG = 'soak-flag';
/** A client that has not seen a toggle this long after its answer missed it (an error). */
const MISS_AFTER_MS = 10_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

type Sample = {
  at: number;
  rssMb: (number | null)[];
  evalRequests: number;
  evalErrors: number;
  evalLatencies: number[];
  clientErrors: number;
};

const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;
const loadAtStart = loadAverage();
const redis = await startBenchRedis();
const db = await benchDatabase();
const replicas: ServerProcess[] = [];
const clients: FlagsClient[] = [];
let report: ReturnType<typeof summarize> | null = null;

try {
  const serverEnv = { DATABASE_URL: db.url, ...redis.env, SWITCHYARD_ADMIN_TOKEN: adminToken };
  replicas.push(await startServerProcess(serverEnv, { runtime, nodeArgs: replicaNodeArgs })); // A first: it migrates the database
  replicas.push(await startServerProcess(serverEnv, { runtime, nodeArgs: replicaNodeArgs }));
  const urls = replicas.map((r) => r.url);
  const apis = urls.map((url) => adminApi(url, adminToken));
  const api = apis[0]!;
  await seedFlags(api, ENVIRONMENT, 20);
  await api.createFlag(FLAG, { clientSideAvailable: true });
  await api.setConfig(FLAG, ENVIRONMENT, { on: false, offVariation: 1, fallthrough: { variation: 0 } }); // value = on
  const serverKey = await api.createKey('server', ENVIRONMENT, 'soak sdk');
  const clientKey = await api.createKey('client', ENVIRONMENT, 'soak browser');

  let clientErrors = 0;
  let notReady = 0;
  const connectStarted = performance.now();
  for (let i = 0; i < clientCount; i += 100) {
    const batch = Array.from({ length: Math.min(100, clientCount - i) }, (_, j) => {
      const client = createClient({ url: urls[(i + j) % urls.length]!, sdkKey: serverKey, logger: silent });
      client.on('error', () => clientErrors++);
      clients.push(client);
      return client.ready(30_000);
    });
    notReady += (await Promise.all(batch)).filter((ready) => !ready).length;
  }
  console.log(`${clientCount} SDK clients ready in ${Math.round(performance.now() - connectStarted)} ms (${notReady} not ready)`);

  const tracker = new PropagationTracker(clients, FLAG);
  const evalLoad = new EvalLoad(urls, clientKey, FLAG, evalRate);
  const sample = (at: number): Sample => ({
    at,
    rssMb: replicas.map((r) => r.rssMb()),
    evalRequests: evalLoad.requests,
    evalErrors: evalLoad.errors,
    evalLatencies: evalLoad.takeLatencies(),
    clientErrors,
  });

  let toggleErrors = 0;
  const start = performance.now();
  const samples: Sample[] = [sample(start)];
  evalLoad.start();
  for (let k = 0; k < seconds; k++) {
    const index = tracker.sending(k % 2 === 0);
    // Through the replicas' admin APIs in turn, so notices cross Redis both ways.
    await apis[k % apis.length]!.call('POST', `/api/flags/${FLAG}/environments/${ENVIRONMENT}/toggle`, { on: k % 2 === 0 })
      .then(() => tracker.answered(index))
      .catch(() => toggleErrors++);
    const next = start + (k + 1) * 1000;
    if ((k + 1) % windowSeconds === 0) samples.push(sample(performance.now()));
    await sleep(Math.max(0, next - performance.now()));
  }
  if (seconds % windowSeconds !== 0) samples.push(sample(performance.now())); // the last, shorter window
  await evalLoad.stop();
  // The last toggles get the same time to arrive as every other one.
  const deadline = performance.now() + MISS_AFTER_MS;
  while (performance.now() < deadline && tracker.window(start, Infinity, 0).missed > 0) await sleep(50);
  const notStreaming = clients.filter((c) => c.status !== 'streaming').length;

  report = summarize({ start, samples, tracker, toggleErrors, notReady, notStreaming, evalLoad });
} finally {
  await Promise.all(clients.map((c) => c.close()));
  for (const replica of replicas) await replica.stop();
  await db.drop();
  await redis.stop();
}

print(report!);

function summarize(run: {
  start: number;
  samples: Sample[];
  tracker: PropagationTracker;
  toggleErrors: number;
  notReady: number;
  notStreaming: number;
  evalLoad: EvalLoad;
}) {
  const series = run.samples.slice(1).map((s, w) => {
    const previous = run.samples[w]!;
    const { latencies, missed, toggles } = run.tracker.window(previous.at, s.at, MISS_AFTER_MS);
    latencies.sort((x, y) => x - y);
    const evalLatencies = [...s.evalLatencies].sort((x, y) => x - y);
    const elapsed = (s.at - previous.at) / 1000;
    return {
      fromSecond: Math.round((previous.at - run.start) / 1000),
      toSecond: Math.round((s.at - run.start) / 1000),
      toggles,
      propagationP50Ms: round(percentile(latencies, 50)),
      propagationP99Ms: round(percentile(latencies, 99)),
      propagationMaxMs: round(latencies.at(-1) ?? Number.NaN),
      missed,
      evalPerSecond: round((s.evalRequests - previous.evalRequests) / elapsed),
      evalErrors: s.evalErrors - previous.evalErrors,
      evalP99Ms: round(percentile(evalLatencies, 99)),
      clientErrors: s.clientErrors - previous.clientErrors,
      rssMb: s.rssMb,
    };
  });
  const all = run.tracker.window(run.start, Infinity, MISS_AFTER_MS);
  all.latencies.sort((x, y) => x - y);
  const first = run.samples[0]!;
  const last = run.samples.at(-1)!;
  const sum = (values: (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
  const errors = {
    toggles: run.toggleErrors,
    evaluations: run.evalLoad.errors,
    missedPropagations: all.missed,
    sdkClientErrors: last.clientErrors,
    clientsNotReady: run.notReady,
    clientsNotStreamingAtEnd: run.notStreaming,
  };
  const result = {
    seconds,
    clients: clientCount,
    toggles: all.toggles,
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    propagationP99Ms: round(percentile(all.latencies, 99)),
    rssStartMb: sum(first.rssMb),
    rssEndMb: sum(last.rssMb),
    propagationP50Ms: round(percentile(all.latencies, 50)),
    propagationMaxMs: round(all.latencies.at(-1) ?? Number.NaN),
    rssStartMbPerReplica: first.rssMb,
    rssEndMbPerReplica: last.rssMb,
    evaluations: run.evalLoad.requests,
    evalRatePerSecond: evalRate,
    errorsByKind: errors,
  };
  return { result, series };
}

function print({ result, series }: ReturnType<typeof summarize>): void {
  console.log(
    `\nSoak: ${clientCount} SDK clients over 2 replicas, 1 toggle/s (admin APIs of A and B in turn), ` +
      `${evalRate} remote evaluations/s, ${seconds} s`,
  );
  console.log(
    `Propagation = a client's 'change' event - the toggle's HTTP response (one clock, this process). Windows of ${windowSeconds} s.`,
  );
  console.log(
    `Load average: ${loadAtStart} at start, ${loadAverage()} at the end. ` +
      `Machine: ${JSON.stringify(machine())}; ${describeReplicas(runtime, replicaNodeArgs)}\n`,
  );
  printTable(
    series.map((w) => ({
      window: `${w.fromSecond}-${w.toSecond}s`,
      toggles: w.toggles,
      'p50 ms': w.propagationP50Ms,
      'p99 ms': w.propagationP99Ms,
      'max ms': w.propagationMaxMs,
      missed: w.missed,
      'eval/s': w.evalPerSecond,
      'eval err': w.evalErrors,
      'eval p99 ms': w.evalP99Ms,
      'sdk err': w.clientErrors,
      'rss MB (A, B)': w.rssMb.join(', '),
    })),
  );
  console.log(
    `\nTotal: ${result.toggles} toggles, propagation p50 ${result.propagationP50Ms} ms, ` +
      `p99 ${result.propagationP99Ms} ms, max ${result.propagationMaxMs} ms; ` +
      `${result.evaluations} evaluations; errors ${result.errors} ${JSON.stringify(result.errorsByKind)}; ` +
      `server RSS ${result.rssStartMb} MB -> ${result.rssEndMb} MB (A+B)`,
  );
  if (args.out)
    writeJson(args.out, {
      machine: machine(),
      runtime,
      nodeArgs: replicaNodeArgs,
      loadAverage: { start: loadAtStart, end: loadAverage() },
      results: [result],
      series,
    });
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : value;
}
