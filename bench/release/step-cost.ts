/**
 * npx tsx bench/release/step-cost.ts [--baseline DIR] [--plans N] [--rounds N] [--profile DIR] [--out FILE]
 *
 * What one release plan stage step costs a replica: bench:release applies 200 stages due within 2 s,
 * and whether each lands within a second of its due time depends on how many steps a second the
 * machine can do. Here one replica (compiled, as `npm start` runs it, with a private Redis) holds
 * `--plans` running plans with stages of an hour; each round makes every plan's stage due at once
 * (one UPDATE of their due times on the database) and waits until the replica has applied the next
 * stage of all of them. Per round: the replica's CPU per step (from /proc), the whole machine's busy
 * CPU per step (the replica, PostgreSQL, Redis and this process's polling), and the steps a second
 * between the first and the last stage applied (their `stageStartedAt`, on the database's clock).
 *
 * `--baseline DIR` (a checkout of another commit with `npm ci` run in it, e.g. `git worktree add
 * /tmp/base HEAD`) runs that checkout's replica beside this one's, each on a database of its own, in
 * alternating rounds, so that both see the same machine. `--profile DIR`: this checkout's replica
 * writes a V8 `.cpuprofile` there (when it stops).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { adminApi } from '../lib/admin-api.ts';
import { printTable, writeJson } from '../lib/cli.ts';
import { cpuSeconds, loadAverage, machineCpuMeter } from '../lib/proc.ts';
import { startBenchRedis } from '../lib/redis-process.ts';
import { benchDatabase, type ServerProcess, startServerProcess } from '../lib/server-process.ts';
import { percentile } from '../lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    plans: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '8' },
    profile: { type: 'string' },
    out: { type: 'string' },
  },
});
const PLANS = Number(args.plans);
const ROUNDS = Number(args.rounds);
/** Every plan has a stage per round and one more (the plan must still be running after the last round). */
const STAGES = Array.from({ length: ROUNDS + 1 }, (_, i) => ({ percentage: Math.round(((i + 1) / (ROUNDS + 1)) * 100), holdMinutes: 60 }));
const ROUND_TIMEOUT_MS = 60_000;
const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;

type Round = { replicaCpuMsPerStep: number; machineCpuMsPerStep: number; stepsPerSecond: number };
type Implementation = {
  name: string;
  replica: ServerProcess;
  sql: pg.Client;
  cleanup: (() => Promise<void>)[];
  rounds: Round[];
};

async function setUp(name: string, root: string | undefined, nodeArgs: string[] = []): Promise<Implementation> {
  const redis = await startBenchRedis();
  const db = await benchDatabase();
  const env = { DATABASE_URL: db.url, ...redis.env, SWITCHYARD_ADMIN_TOKEN: adminToken };
  const replica = await startServerProcess(env, { root, nodeArgs });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const api = adminApi(replica.url, adminToken);
  for (let i = 0; i < PLANS; i++) {
    const key = `release-${i}`;
    await api.createFlag(key);
    await api.call('POST', `/api/flags/${key}/environments/staging/release-plans`, { stages: STAGES });
  }
  return {
    name,
    replica,
    sql,
    rounds: [],
    cleanup: [() => replica.stop(), () => sql.end(), () => db.drop(), () => redis.stop()],
  };
}

/** Makes every plan's next stage due now and measures the replica applying them all. */
async function round(impl: Implementation, stageIndex: number): Promise<void> {
  const machine = machineCpuMeter();
  machine.start();
  const wallStart = performance.now();
  const cpuStart = cpuSeconds(impl.replica.child.pid)!;
  await impl.sql.query(
    `UPDATE "ReleasePlan" SET "nextCheckAt" = (now() AT TIME ZONE 'UTC') - interval '1 second',
       "stageStartedAt" = (now() AT TIME ZONE 'UTC') - interval '61 minutes' WHERE status = 'running'`,
  );
  const deadline = performance.now() + ROUND_TIMEOUT_MS;
  while (true) {
    const { rows } = await impl.sql.query<{ behind: string }>(`SELECT count(*) AS behind FROM "ReleasePlan" WHERE "stageIndex" < $1`, [
      stageIndex,
    ]);
    if (Number(rows[0]!.behind) === 0) break;
    if (performance.now() > deadline) throw new Error(`${impl.name}: round ${stageIndex} not done within ${ROUND_TIMEOUT_MS} ms`);
    await sleep(20);
  }
  const cpuMs = (cpuSeconds(impl.replica.child.pid)! - cpuStart) * 1000;
  const machineMs = machine.stop() * (performance.now() - wallStart);
  const { rows } = await impl.sql.query<{ spanMs: number }>(
    `SELECT EXTRACT(EPOCH FROM max("stageStartedAt") - min("stageStartedAt")) * 1000 AS "spanMs" FROM "ReleasePlan"`,
  );
  impl.rounds.push({
    replicaCpuMsPerStep: cpuMs / PLANS,
    machineCpuMsPerStep: machineMs / PLANS,
    stepsPerSecond: (PLANS - 1) / (Number(rows[0]!.spanMs) / 1000),
  });
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const implementations: Implementation[] = [];
const loadAtStart = loadAverage();
try {
  const profileArgs = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
  implementations.push(await setUp('this checkout', undefined, profileArgs));
  if (args.baseline) implementations.push(await setUp(`baseline (${args.baseline})`, args.baseline));
  for (let r = 1; r <= ROUNDS; r++) {
    // Alternate which goes first, so neither always follows the other's work.
    const order = r % 2 ? implementations : [...implementations].reverse();
    for (const impl of order) await round(impl, r);
  }
  const rows = implementations.map((impl) => ({
    implementation: impl.name,
    'replica CPU ms/step': median(impl.rounds.map((x) => x.replicaCpuMsPerStep)).toFixed(2),
    'machine CPU ms/step': median(impl.rounds.map((x) => x.machineCpuMsPerStep)).toFixed(2),
    'steps/s': median(impl.rounds.map((x) => x.stepsPerSecond)).toFixed(1),
  }));
  console.log(`${PLANS} plans, ${ROUNDS} rounds (medians); load average ${loadAtStart} at the start, ${loadAverage()} at the end`);
  printTable(rows);
  if (args.out)
    writeJson(args.out, {
      plans: PLANS,
      rounds: ROUNDS,
      loadAtStart,
      loadAtEnd: loadAverage(),
      implementations: implementations.map(({ name, rounds }) => ({ name, rounds })),
    });
} finally {
  for (const impl of implementations) for (const step of impl.cleanup) await step().catch(() => undefined);
}
