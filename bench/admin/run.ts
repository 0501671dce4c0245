// npm run bench:admin [-- --quick] [-- --out FILE] [-- --runtime compiled|source] [-- --node-args "ARGS"]
// Requests/s and latency of the admin API on PostgreSQL: reading a flag and toggling one, with
// GET /healthz (no database, no auth) measured in the same run as the framework's floor.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import {
  BENCH_BASE_DATABASE_URL,
  benchDatabase,
  describeReplicas,
  extraNodeArgs,
  serverRuntime,
  startServerProcess,
} from '../lib/server-process.ts';

const args = parseBenchArgs();
const runtime = serverRuntime(args.values);
const replicaNodeArgs = extraNodeArgs(args.values);
const seconds = args.quick ? 3 : 10;
const connections = Number(args.values.get('connections') ?? 20);
const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;

const db = await benchDatabase();
const server = await startServerProcess(
  { DATABASE_URL: db.url, SWITCHYARD_ADMIN_TOKEN: adminToken, REDIS_URL: '' },
  { runtime, nodeArgs: replicaNodeArgs },
);
const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

try {
  const created = await fetch(`${server.url}/api/flags`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ key: 'bench-flag', name: 'Bench flag', kind: 'boolean' }),
  });
  if (created.status !== 201) throw new Error(`could not create the flag: ${created.status} ${await created.text()}`);

  let flip = false;
  const cases = [
    { name: 'GET /healthz (floor)', method: 'GET' as const, path: '/healthz' },
    { name: 'GET /api/flags/:key', method: 'GET' as const, path: '/api/flags/bench-flag' },
    {
      name: 'POST .../toggle',
      method: 'POST' as const,
      path: '/api/flags/bench-flag/environments/production/toggle',
      body: () => JSON.stringify({ on: (flip = !flip) }),
    },
  ];

  const results = [];
  for (const c of cases) {
    const run = await autocannon({
      url: server.url,
      connections,
      duration: seconds,
      requests: [
        {
          method: c.method,
          path: c.path,
          headers: auth,
          ...(c.body ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: c.body() }) } : {}),
        },
      ],
    });
    const errors = run.errors + run.timeouts + (run.non2xx ?? 0);
    results.push({
      case: c.name,
      reqPerSec: Math.round(run.requests.average),
      p50Ms: run.latency.p50,
      p99Ms: run.latency.p99,
      maxMs: run.latency.max,
      errors,
    });
  }

  console.log(
    `\nAdmin API on PostgreSQL (${BENCH_BASE_DATABASE_URL.replace(/\/\/[^@]*@/, '//')}), ` +
      `${connections} connections, ${seconds} s per case, server in its own process`,
  );
  console.log(`Machine: ${JSON.stringify(machine())}; ${describeReplicas(runtime, replicaNodeArgs)}\n`);
  printTable(
    results.map((r) => ({ case: r.case, 'req/s': r.reqPerSec, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms, 'max ms': r.maxMs, errors: r.errors })),
  );
  if (args.out) writeJson(args.out, { machine: machine(), runtime, nodeArgs: replicaNodeArgs, connections, seconds, results });
} finally {
  await server.stop();
  await db.drop();
}
