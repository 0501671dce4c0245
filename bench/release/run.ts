// npm run bench:release [-- --quick] [-- --out FILE] [-- --plans N] [-- --gap-seconds S] [-- --window-seconds S]
//   [-- --lead-seconds S] [-- --clients N] [-- --rollbacks N] [-- --load-processes K] [-- --poll-ms MS]
//   [-- --nice N] [-- --profile DIR] [-- --order plans|rollbacks] [-- --wait-idle SECONDS]
//   [-- --runtime compiled|source] [-- --node-args "ARGS"]
// Release plans on two replicas (child processes sharing one PostgreSQL database and one Redis), in
// two parts:
// 1. Exactly once, on time: N plans of 4 stages (10, 25, 50, 100 %), whose holds are chosen so that
//    every plan's stage 2 falls due within the same `window` seconds, its stage 3 `gap` seconds
//    later, its stage 4 `gap` later again, and its completion `gap` after that. Replica B is killed
//    (SIGKILL) in the middle of the stage-3 window and started again after it. From the audit log:
//    applications per (plan, stage) (duplicates, missed) and each one's lateness, its stageStartedAt
//    minus its due time (the previous stage's stageStartedAt + hold), both on the database's clock;
//    and from a stream connection on replica A, when each stage reached an SDK.
// 2. Rollback reach: M real streaming SDK clients (load processes, half on each replica) watching one
//    flag under a plan at 50 %; the plan is rolled back through replica A's admin API; per client, the
//    time from the rollback request to its first evaluation, for a probe context on the new variation,
//    that gives the old one again.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Context, evaluate, type Snapshot } from '@switchyard/sdk';
import pg from 'pg';
import { type AdminApi, adminApi } from '../lib/admin-api.ts';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import { askerOf, cpuSeconds, loadAverage, machineCpuMeter, waitForQuietMachine } from '../lib/proc.ts';
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
import { type ChildMessage, type ClientsConfig, monotonicMs, type ParentMessage } from './clients.ts';
import { type StageWatcher, watchStages } from './stage-watcher.ts';

const ask = askerOf<ParentMessage, ChildMessage>();

const args = parseBenchArgs();
const runtime = serverRuntime(args.values);
const replicaNodeArgs = extraNodeArgs(args.values);
const number = (name: string, fallback: number) => Number(args.values.get(name) ?? fallback);
const planCount = number('plans', 200);
const gapSeconds = number('gap-seconds', args.quick ? 8 : 15);
const windowSeconds = number('window-seconds', 2);
const leadSeconds = args.values.has('lead-seconds') ? number('lead-seconds', 0) : null;
const clientCount = number('clients', 1000);
const rollbacks = number('rollbacks', args.quick ? 3 : 10);
const loadProcesses = number('load-processes', 2);
const pollMs = args.values.get('poll-ms');
/** `--profile DIR`: the SDK clients' load processes write V8 CPU profiles there (where their time goes). */
const profileDir = args.values.get('profile');
/** `--order rollbacks` (a diagnostic): the rollbacks before the plans' flags exist, so the clients' snapshot holds one flag. */
const order = args.values.get('order') ?? 'plans';
if (order !== 'plans' && order !== 'rollbacks') throw new Error('--order takes plans or rollbacks');
const rollbacksFirst = order === 'rollbacks';
/** The load processes' niceness (19: the lowest priority). */
const loadNice = number('nice', 19);
const waitIdleSeconds = number('wait-idle', args.quick ? 0 : 60);
for (const n of [planCount, clientCount, rollbacks, loadProcesses]) {
  if (!Number.isInteger(n) || n < 1) throw new Error('--plans, --clients, --rollbacks and --load-processes take a positive whole number');
}
if (!(gapSeconds >= 2 && windowSeconds >= 0 && windowSeconds < gapSeconds)) {
  throw new Error('--gap-seconds must be at least 2 and above --window-seconds');
}

const PLAN_ENV = 'staging';
const PROBE_ENV = 'production';
const PROBE_FLAG = 'rollback-probe';
/** Every plan's stages; stage k (0-based) > 0 falls due `gap` after stage k - 1, the completion `gap` after the last. */
const STAGE_PERCENTAGES = [10, 25, 50, 100];
/** The 0-based stage during whose window replica B is killed. */
const KILL_STAGE = 2;
const NEW_VARIATION = 0;
const OLD_VARIATION = 1;
const ROUND_TIMEOUT_MS = 10_000;

type PlanView = { id: string; stageStartedAt: string; stages: { holdMinutes: number }[] };
type Plan = { id: string; flagKey: string; holdsMs: number[]; startedAt: number };

const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;
const redis = await startBenchRedis();
const db = await benchDatabase();
const serverEnv: Record<string, string> = {
  DATABASE_URL: db.url,
  ...redis.env,
  SWITCHYARD_ADMIN_TOKEN: adminToken,
  ...(pollMs === undefined ? {} : { SWITCHYARD_DUE_WORK_POLL_MS: pollMs }),
};
const sql = new pg.Client({ connectionString: db.url });
const loadAtStart = loadAverage();
/** The replicas in service: A, and B (replaced by its restart after the kill). */
const replicas: ServerProcess[] = [];
const everyReplica: ServerProcess[] = [];
const loads: ChildProcess[] = [];
let watcher = null as StageWatcher | null;
let flagsInSnapshot: number | undefined;

const startReplica = async () => {
  const replica = await startServerProcess(serverEnv, { runtime, nodeArgs: replicaNodeArgs });
  everyReplica.push(replica);
  return replica;
};

try {
  const idle = await waitForQuietMachine(waitIdleSeconds);
  // A first, as it migrates the database.
  replicas.push(await startReplica());
  replicas.push(await startReplica());
  await sql.connect();
  const api = adminApi(replicas[0]!.url, adminToken);
  const rollbackFirst = rollbacksFirst ? await runRollbacks(api) : null;
  const plans = await runPlans(api);
  const rollback = rollbackFirst ?? (await runRollbacks(api));
  report(plans, rollback, idle);
} finally {
  watcher?.close();
  await stopLoads();
  for (const replica of everyReplica) await replica.stop();
  await sql.end().catch(() => undefined);
  await db.drop().catch(() => undefined);
  await redis.stop().catch(() => undefined);
}

async function stopLoads(): Promise<void> {
  for (const load of loads.splice(0)) {
    if (load.connected) load.send({ type: 'exit' } satisfies ParentMessage);
    if (load.exitCode === null) await Promise.race([new Promise((r) => load.once('exit', r)), sleep(10_000)]);
    if (load.exitCode === null) load.kill('SIGKILL');
  }
}

/** The database's clock minus this process's (epoch ms): due times are on the database's clock. */
async function databaseClockOffset(): Promise<number> {
  const samples: { offset: number; rtt: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const before = Date.now();
    const { rows } = await sql.query<{ ms: string }>('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms');
    const after = Date.now();
    samples.push({ offset: Number(rows[0]!.ms) - (before + after) / 2, rtt: after - before });
  }
  return samples.sort((a, b) => a.rtt - b.rtt)[0]!.offset;
}

function sleepUntil(epochMs: number) {
  return sleep(Math.max(0, epochMs - Date.now()));
}

function round1(x: number) {
  return Math.round(x * 10) / 10;
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round1(percentile(sorted, 50)), p99: round1(percentile(sorted, 99)), max: round1(sorted.at(-1) ?? Number.NaN) };
}

async function runPlans(api: AdminApi) {
  const watchKey = await api.createKey('server', PLAN_ENV, 'bench-release-watcher');
  const keys = Array.from({ length: planCount }, (_, i) => `release-${i}`);
  const flagsStarted = performance.now();
  for (const key of keys) await api.createFlag(key);
  const flagsMs = performance.now() - flagsStarted;
  watcher = await watchStages(replicas[0]!.url, watchKey, NEW_VARIATION);

  const offset = await databaseClockOffset();
  const dbNow = () => Date.now() + offset;
  const local = (dbMs: number) => dbMs - offset;
  const gapMs = gapSeconds * 1000;
  const windowMs = windowSeconds * 1000;
  // Starting a plan costs about what creating a flag does; twice that, plus 5 s, leaves a margin.
  const leadMs = leadSeconds === null ? 2 * flagsMs + 5000 : leadSeconds * 1000;
  /** When the first plan's stage 2 falls due, on the database's clock; plan i's falls due i/N of the window later. */
  const firstDue = dbNow() + leadMs;
  const plans: Plan[] = [];
  for (const [i, flagKey] of keys.entries()) {
    const holdMs = Math.max(0, firstDue + (windowMs * i) / planCount - dbNow());
    const view = await api.call<PlanView>('POST', `/api/flags/${flagKey}/environments/${PLAN_ENV}/release-plans`, {
      stages: STAGE_PERCENTAGES.map((percentage, k) => ({ percentage, holdMinutes: (k === 0 ? holdMs : gapMs) / 60_000 })),
      variation: NEW_VARIATION,
      controlVariation: OLD_VARIATION,
    });
    plans.push({
      id: view.id,
      flagKey,
      holdsMs: view.stages.map((s) => s.holdMinutes * 60_000),
      startedAt: Date.parse(view.stageStartedAt),
    });
  }
  const allStartedAt = dbNow();
  /** Plans whose stage 2 fell due before the last plan was started (a lead too short for this machine). */
  const dueBeforeAllStarted = plans.filter((p) => p.startedAt + p.holdsMs[0]! < allStartedAt).length;
  if (dueBeforeAllStarted > 0) console.warn(`(${dueBeforeAllStarted} plans fell due before every plan was started: raise --lead-seconds)`);

  await sleepUntil(local(firstDue));
  // Stage 2 is the densest: from its first due time until every plan has it (or the kill).
  const backlog = await measureBacklog(1);
  // Kill B in the middle of the window of stage KILL_STAGE, while it is applying stages.
  const killAt = firstDue + (KILL_STAGE - 1) * gapMs + windowMs / 2;
  await sleepUntil(local(killAt));
  const stage2 = await backlog.stop();
  const victim = replicas[1]!;
  const exited = new Promise((resolve) => victim.child.once('exit', resolve));
  victim.child.kill('SIGKILL');
  const killedAt = dbNow();
  await exited;
  // Started again once that window has passed, so it is back (if it starts fast enough) for the next stage.
  await sleepUntil(local(killAt + windowMs / 2 + 1000));
  const restartRequestedAt = dbNow();
  replicas[1] = await startReplica();
  const restartedAt = dbNow();

  const lastDue = firstDue + (STAGE_PERCENTAGES.length - 1) * gapMs + windowMs;
  const deadline = local(lastDue) + 30_000;
  while (true) {
    const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "ReleasePlan" WHERE status = 'completed'`);
    if (Number(rows[0]!.n) === planCount || Date.now() > deadline) break;
    await sleep(250);
  }
  await sleep(1000); // the last patches on their way to the watcher

  // Every application of a stage, and every completion, from the audit log (written in the same transaction).
  const { rows: events } = await sql.query<{
    id: string;
    action: string;
    stage: string | null;
    started: string | null;
    ended: string | null;
  }>(
    `SELECT "resourceKey" AS id, action, after->>'stageIndex' AS stage, after->>'stageStartedAt' AS started, after->>'endedAt' AS ended
       FROM "AuditEvent" WHERE "resourceType" = 'release-plan' AND action IN ('release.stage-applied', 'release.completed')`,
  );
  const applied = new Map<string, number[]>();
  const completions = new Map<string, number[]>();
  for (const e of events) {
    if (e.action === 'release.completed') completions.set(e.id, [...(completions.get(e.id) ?? []), Date.parse(e.ended!)]);
    else applied.set(`${e.id}#${e.stage}`, [...(applied.get(`${e.id}#${e.stage}`) ?? []), Date.parse(e.started!)]);
  }
  // Every configuration write to the plans' flags: one per stage, whoever wrote it.
  const { rows: writes } = await sql.query<{ flag: string; n: string }>(
    `SELECT "flagKey" AS flag, count(*) AS n FROM "AuditEvent"
      WHERE action = 'flag.configuration.updated' AND "environmentKey" = $1 GROUP BY "flagKey"`,
    [PLAN_ENV],
  );
  const writesPerFlag = new Map(writes.map((w) => [w.flag, Number(w.n)]));

  const waves = STAGE_PERCENTAGES.map(() => ({
    due: [] as number[],
    started: [] as number[],
    late: [] as number[],
    visibleLate: [] as number[],
    notVisible: 0,
  }));
  const completionLate: number[] = [];
  let stagesApplied = 0;
  let duplicates = 0;
  let missed = 0;
  let completionDuplicates = 0;
  let configWriteExtra = 0;
  for (const plan of plans) {
    configWriteExtra += Math.abs((writesPerFlag.get(plan.flagKey) ?? 0) - STAGE_PERCENTAGES.length);
    let previous: number | null = plan.startedAt;
    for (let k = 1; k < STAGE_PERCENTAGES.length; k++) {
      const times = applied.get(`${plan.id}#${k}`) ?? [];
      stagesApplied += times.length;
      duplicates += Math.max(0, times.length - 1);
      if (times.length === 0) {
        missed++;
        previous = null;
        continue;
      }
      const started = Math.min(...times);
      if (previous !== null) {
        const due = previous + plan.holdsMs[k - 1]!;
        const wave = waves[k]!;
        wave.due.push(due);
        wave.started.push(started);
        wave.late.push(started - due);
        const seen = watcher!.seenAt(plan.flagKey, STAGE_PERCENTAGES[k]!);
        if (seen === undefined) wave.notVisible++;
        else wave.visibleLate.push(seen + offset - due);
      }
      previous = started;
    }
    const ends = completions.get(plan.id) ?? [];
    completionDuplicates += Math.max(0, ends.length - 1);
    if (ends.length > 0 && previous !== null) completionLate.push(Math.min(...ends) - (previous + plan.holdsMs.at(-1)!));
  }
  const late = waves.flatMap((w) => w.late);
  const visibleLate = waves.flatMap((w) => w.visibleLate);
  return {
    plans: planCount,
    stagesExpected: planCount * (STAGE_PERCENTAGES.length - 1),
    stagesApplied,
    duplicates,
    missed,
    maxLateMs: round1(Math.max(...late)),
    lateMs: summary(late),
    /** Due -> a stream client on replica A had the stage's patch (after the commit and the change notice). */
    maxVisibleLateMs: round1(Math.max(...visibleLate)),
    visibleLateMs: summary(visibleLate),
    notVisible: waves.reduce((n, w) => n + w.notVisible, 0),
    watcherResyncs: watcher!.resyncs(),
    watcherClosedWith: watcher!.closedWith(),
    completed: completions.size,
    completionDuplicates,
    completionLateMs: summary(completionLate),
    /** |configuration writes - 4| summed over the plans' flags: 0 when each stage was written exactly once. */
    configWriteMismatch: configWriteExtra,
    waves: waves.slice(1).map((w, i) => ({
      stage: i + 2,
      percentage: STAGE_PERCENTAGES[i + 1],
      applied: w.late.length,
      dueSpreadMs: round1(Math.max(...w.due) - Math.min(...w.due)),
      /** Applications per second from the wave's first to its last: the capacity when a backlog formed (due: N per window). */
      appliedPerSecond: round1(((w.started.length - 1) * 1000) / (Math.max(...w.started) - Math.min(...w.started))),
      lateMs: summary(w.late),
      visibleLateMs: summary(w.visibleLate),
      notVisible: w.notVisible,
      replicas:
        i + 1 === KILL_STAGE
          ? 'A, B killed midway'
          : i + 1 < KILL_STAGE
            ? 'A, B'
            : `A, B restarted ${restartedAt < Math.min(...w.due) ? 'before' : 'during'} it`,
    })),
    kill: {
      stage: KILL_STAGE + 1,
      /** When B was killed, after the first due time of that stage's window. */
      killedMsIntoWindow: round1(killedAt - Math.min(...waves[KILL_STAGE]!.due)),
      restartMs: Math.round(restartedAt - restartRequestedAt),
      restartedMsBeforeNextStage: round1(Math.min(...waves[KILL_STAGE + 1]!.due) - restartedAt),
    },
    gapSeconds,
    windowSeconds,
    leadMs: Math.round(leadMs),
    dueBeforeAllStarted,
    pollMs: pollMs === undefined ? 'default' : Number(pollMs),
    /** From stage 2's first due time until every plan had it. */
    stage2Backlog: stage2,
  };
}

/**
 * Measures from now until every plan is past stage `stageIndex` (0-based) or `stop()` is called, whichever
 * comes first: both replicas' CPU and the machine's busy cores, and every 50 ms the database's
 * sessions in a transaction and those of them waiting for a lock (a row another transaction holds),
 * with the statements they were waiting in; means over the samples where one was in a transaction.
 */
async function measureBacklog(stageIndex: number) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const pids = replicas.map((r) => r.child.pid);
  const cpuBefore = pids.map((pid) => cpuSeconds(pid) ?? 0);
  const machineMeter = machineCpuMeter();
  machineMeter.start();
  const startedAt = performance.now();
  let stopped = false;
  const samples: { inTransaction: number; waiting: number }[] = [];
  /** The statements sessions were waiting in, by how many samples saw one waiting there. */
  const waitingOn = new Map<string, number>();
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ busy: string; waiting: string; behind: string }>(
        `SELECT count(*) FILTER (WHERE xact_start IS NOT NULL) AS busy, count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting,
                (SELECT count(*) FROM "ReleasePlan" WHERE status = 'running' AND "stageIndex" < $1) AS behind
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        [stageIndex],
      );
      samples.push({ inTransaction: Number(rows[0]!.busy), waiting: Number(rows[0]!.waiting) });
      const { rows: waits } = await client.query<{ query: string }>(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      for (const w of waits) waitingOn.set(w.query, (waitingOn.get(w.query) ?? 0) + 1);
      if (rows[0]!.behind === '0') break;
      await sleep(50);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = pids.map((pid, i) => (cpuSeconds(pid) ?? 0) - cpuBefore[i]!);
    const busy = samples.filter((s) => s.inTransaction > 0);
    const mean = (f: (s: (typeof samples)[number]) => number) => round1(busy.reduce((n, s) => n + f(s), 0) / Math.max(1, busy.length));
    return {
      seconds: round1(seconds),
      /** % of one core over the backlog. */
      replicaCpuPct: cpu.map((c) => Math.round((c / seconds) * 100)),
      machineBusyCores: machineMeter.stop(),
      meanInTransaction: mean((s) => s.inTransaction),
      meanWaitingForLock: mean((s) => s.waiting),
      waitingIn: [...waitingOn]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([query, count]) => ({ query, count })),
    };
  })();
  return {
    async stop() {
      stopped = true;
      const result = await loop;
      await client.end();
      return result;
    },
  };
}

async function runRollbacks(api: AdminApi) {
  await api.createFlag(PROBE_FLAG);
  await api.setConfig(PROBE_FLAG, PROBE_ENV, { on: true, offVariation: OLD_VARIATION, fallthrough: { variation: OLD_VARIATION } });
  const sdkKey = await api.createKey('server', PROBE_ENV, 'bench-release-clients');
  const processes = Math.min(loadProcesses, clientCount);
  for (let k = 0; k < processes; k++) {
    const load = fork(fileURLToPath(new URL('./clients.ts', import.meta.url)), [], {
      execArgv: [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    loads.push(load);
    // The clients share the 2 cores with what is measured: at the lowest priority they wait for the
    // replicas and PostgreSQL instead of delaying them (their receipts can only come later for it).
    os.setPriority(load.pid!, loadNice);
  }
  const slice = (k: number) => ({
    first: Math.floor((clientCount * k) / processes),
    count: Math.floor((clientCount * (k + 1)) / processes) - Math.floor((clientCount * k) / processes),
  });
  const connectStarted = performance.now();
  const connected = await Promise.all(
    loads.map((load, k) => {
      const config: ClientsConfig = { replicas: replicas.map((r) => r.url), sdkKey, flagKey: PROBE_FLAG, ...slice(k) };
      return ask(load, { type: 'connect', config }, 'connected');
    }),
  );
  const connectMs = Math.round(performance.now() - connectStarted);
  const notReady = connected.reduce((n, c) => n + c.notReady, 0);
  if (notReady > 0) throw new Error(`${notReady} SDK clients were not ready within 30 s`);

  let probe: Context | null = null;
  const round = async () => {
    const plan = await api.call<PlanView>('POST', `/api/flags/${PROBE_FLAG}/environments/${PROBE_ENV}/release-plans`, {
      stages: [{ percentage: 50, holdMinutes: 60 }],
      variation: NEW_VARIATION,
      controlVariation: OLD_VARIATION,
    });
    probe ??= await findProbe(sdkKey);
    // Every client serves the probe the new variation before the rollback.
    await Promise.all(loads.map((load) => ask(load, { type: 'arm', probe: probe!, variation: NEW_VARIATION }, 'armed')));
    const before = await Promise.all(
      loads.map((load) => ask(load, { type: 'collect', deadline: monotonicMs() + ROUND_TIMEOUT_MS }, 'seen')),
    );
    const notOnNew = before.reduce((n, s) => n + s.seenAt.filter((t) => t === 0).length, 0);
    if (notOnNew > 0)
      throw new Error(`${notOnNew} clients did not serve the new variation within ${ROUND_TIMEOUT_MS} ms of the plan's start`);

    await Promise.all(loads.map((load) => ask(load, { type: 'arm', probe: probe!, variation: OLD_VARIATION }, 'armed')));
    const sent = monotonicMs();
    await api.call('POST', `/api/release-plans/${plan.id}/rollback`, { reason: 'bench:release' });
    const answered = monotonicMs();
    const seen = await Promise.all(loads.map((load) => ask(load, { type: 'collect', deadline: answered + ROUND_TIMEOUT_MS }, 'seen')));
    const fromRequest: number[] = [];
    const fromAnswer: number[] = [];
    let missed = 0;
    /** Per load process, its first and its last client to have it: the spread is the clients' own work, one after the other. */
    const perProcess = seen.map((s) => {
      const times = s.seenAt.filter((t) => t > 0);
      return { firstMs: round1(Math.min(...times) - sent), lastMs: round1(Math.max(...times) - sent) };
    });
    for (const t of seen.flatMap((s) => s.seenAt)) {
      if (t === 0) missed++;
      else {
        fromRequest.push(t - sent);
        fromAnswer.push(Math.max(0, t - answered));
      }
    }
    await sleep(300);
    return {
      fromRequest,
      fromAnswer,
      missed,
      requestMs: answered - sent,
      perProcess,
      notStreaming: seen.reduce((n, s) => n + s.notStreaming, 0),
      errors: seen.reduce((n, s) => n + s.errors, 0),
    };
  };

  // The first rollback after start-up also pays for JIT compilation and first queries: not counted.
  const warmUp = await round();
  const rounds = [];
  for (let r = 0; r < rollbacks; r++) rounds.push(await round());
  await stopLoads();
  const fromRequest = rounds.flatMap((r) => r.fromRequest);
  const fromAnswer = rounds.flatMap((r) => r.fromAnswer);
  const request = summary(rounds.map((r) => r.requestMs));
  const total = summary(fromRequest);
  return {
    clients: clientCount,
    loadProcesses: processes,
    /** Flags in the clients' environment: every flag has a configuration there (the SDK re-prepares them at every patch). */
    flagsInSnapshot: flagsInSnapshot!,
    clientsPerReplica: replicas.map((_, i) => connected.reduce((n, c) => n + c.perReplica[i]!, 0)),
    connectMs,
    rollbacks: rounds.length,
    samples: fromRequest.length,
    /** Rollback request sent -> the client's first evaluation giving the old variation. */
    fromRequestMs: total,
    /** The rollback's HTTP answer read -> the same (0 when the client had it first). */
    fromAnswerMs: summary(fromAnswer),
    rollbackRequestMs: request,
    /** Per rollback, the first client of all to have it: the server's part (write, notice, fan-out) and one client's own work. */
    firstClientMs: summary(rounds.map((r) => Math.min(...r.perProcess.map((p) => p.firstMs)))),
    missed: rounds.reduce((n, r) => n + r.missed, 0),
    notStreaming: Math.max(...rounds.map((r) => r.notStreaming)),
    clientErrors: Math.max(...rounds.map((r) => r.errors)),
    perRollback: rounds.map((r) => ({
      ...summary(r.fromRequest),
      requestMs: round1(r.requestMs),
      missed: r.missed,
      perProcess: r.perProcess,
    })),
    warmUp: { ...summary(warmUp.fromRequest), requestMs: round1(warmUp.requestMs), missed: warmUp.missed },
  };
}

/** A context the 50 % stage serves the new variation (the same one every round: the flag's salt does not change). */
async function findProbe(sdkKey: string): Promise<Context> {
  const response = await fetch(`${replicas[0]!.url}/sdk/snapshot`, { headers: { authorization: `Bearer ${sdkKey}` } });
  if (!response.ok) throw new Error(`GET /sdk/snapshot -> ${response.status}`);
  const snapshot = (await response.json()) as Snapshot;
  flagsInSnapshot = Object.keys(snapshot.flags).length;
  for (let j = 0; j < 1000; j++) {
    const context = { key: `probe-${j}` };
    if (evaluate(snapshot, PROBE_FLAG, context, null).variationIndex === NEW_VARIATION) return context;
  }
  throw new Error('no probe context on the new variation among 1,000 keys');
}

function report(
  plans: Awaited<ReturnType<typeof runPlans>>,
  rollback: Awaited<ReturnType<typeof runRollbacks>>,
  idle: number | null,
): void {
  const loadAtEnd = loadAverage();
  const w2 = plans.stage2Backlog;
  console.log(
    `\nRelease plans: ${plans.plans} plans x ${STAGE_PERCENTAGES.length} stages (${STAGE_PERCENTAGES.join(', ')} %) on 2 replicas; ` +
      `each later stage of every plan due within ${windowSeconds} s, ${gapSeconds} s apart; ` +
      `replica B killed (SIGKILL) ${plans.kill.killedMsIntoWindow} ms into stage ${plans.kill.stage}'s window, ` +
      `restarted after it (${plans.kill.restartMs} ms to ready)`,
  );
  console.log(
    'late = stageStartedAt - (previous stageStartedAt + hold), database clock; ' +
      'visible = a stream client on replica A had the stage - its due time\n',
  );
  printTable(
    plans.waves.map((w) => ({
      stage: `${w.stage} (${w.percentage} %)`,
      replicas: w.replicas,
      applied: w.applied,
      'due spread ms': w.dueSpreadMs,
      'applied /s': w.appliedPerSecond,
      'late p50 ms': w.lateMs.p50,
      'late p99 ms': w.lateMs.p99,
      'late max ms': w.lateMs.max,
      'visible p99 ms': w.visibleLateMs.p99,
      'visible max ms': w.visibleLateMs.max,
      'not visible': w.notVisible,
    })),
  );
  console.log(
    `\nstages applied ${plans.stagesApplied} of ${plans.stagesExpected}; duplicates ${plans.duplicates}; missed ${plans.missed}; ` +
      `configuration writes off by ${plans.configWriteMismatch}; completed ${plans.completed} ` +
      `(late p50 / max ${plans.completionLateMs.p50} / ${plans.completionLateMs.max} ms; duplicates ${plans.completionDuplicates})`,
  );
  console.log(
    `\nRollback reach: ${rollback.clients} streaming SDK clients (${rollback.clientsPerReplica.join(' + ')} on A + B, in ${rollback.loadProcesses} ` +
      `load processes at nice ${loadNice}; ${rollback.flagsInSnapshot} flags in their snapshot), ${rollback.rollbacks} rollbacks of a 50 % plan after one warm-up; time from the rollback ` +
      'request to each client first evaluating the old variation for a probe context (CLOCK_MONOTONIC)\n',
  );
  printTable([
    {
      clients: rollback.clients,
      samples: rollback.samples,
      'p50 ms': rollback.fromRequestMs.p50,
      'p99 ms': rollback.fromRequestMs.p99,
      'max ms': rollback.fromRequestMs.max,
      'from answer p99 ms': rollback.fromAnswerMs.p99,
      'first client p50 ms': rollback.firstClientMs.p50,
      'rollback request p50 ms': rollback.rollbackRequestMs.p50,
      missed: rollback.missed,
    },
  ]);
  const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  console.log(
    `\nTargets: duplicates 0 and missed 0: ${met(plans.duplicates === 0 && plans.missed === 0)}; ` +
      `every stage within 1 s of its due time (maxLateMs ${plans.maxLateMs}): ${met(plans.maxLateMs < 1000)}; ` +
      `rollback p99 < 100 ms at ${rollback.clients} clients (${rollback.fromRequestMs.p99} ms): ${met(rollback.fromRequestMs.p99 < 100)}`,
  );
  console.log(
    `Stage 2, from its first due time until every plan had it (${w2.seconds} s): replicas ${w2.replicaCpuPct.join(' + ')} % of a core, ` +
      `machine busy ${w2.machineBusyCores} cores; of ${w2.meanInTransaction} database sessions in a transaction, ` +
      `${w2.meanWaitingForLock} waiting for a lock (mean), in: ${w2.waitingIn.map((w) => `${w.query}...`).join(' | ') || '-'}`,
  );
  console.log(
    `Load average ${loadAtStart} at the start, ${loadAtEnd} at the end; ` +
      `Redis: ${redis.private ? 'a private redis-server' : 'shared'}; ${describeReplicas(runtime, replicaNodeArgs)}`,
  );
  if (args.out) {
    writeJson(args.out, {
      plans: plans.plans,
      stagesApplied: plans.stagesApplied,
      duplicates: plans.duplicates,
      missed: plans.missed,
      maxLateMs: plans.maxLateMs,
      rollbackToSdkP99Ms: rollback.fromRequestMs.p99,
      details: { ...plans, rollback },
      machine: machine(),
      runtime,
      nodeArgs: replicaNodeArgs,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
      idleWaitBusyCores: idle,
      quick: args.quick,
    });
  }
}
