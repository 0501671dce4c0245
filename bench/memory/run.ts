// npm run bench:memory [-- --quick] [-- --out FILE] [-- --clients N] [-- --rounds R]
// Resident memory of one replica, the same workload run the way `npm start` runs the server and
// the ways it could: from the TypeScript sources (`npm run dev`), compiled with Node's defaults,
// and compiled with each memory setting of `server/start.sh` alone (plus 1 MiB semi-spaces). Per
// configuration: RSS idle after start-up, with N stream clients connected and 10 toggles pushed to
// them, and the peak.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { adminApi, seedFlags } from '../lib/admin-api.ts';
import { machine, parseBenchArgs, printTable, writeJson } from '../lib/cli.ts';
import { loadAverage, peakRssMb } from '../lib/proc.ts';
import { startBenchRedis } from '../lib/redis-process.ts';
import { benchDatabase, launchServer, type ServerProcess } from '../lib/server-process.ts';

const args = parseBenchArgs();
/** Default: one replica's share of bench:propagation's 1,000 clients over two replicas. */
const clients = Number(args.values.get('clients') ?? 500);
const rounds = Number(args.values.get('rounds') ?? (args.quick ? 1 : 3));
const TOGGLES = 10;
for (const n of [clients, rounds])
  if (!Number.isInteger(n) || n < 1) throw new Error('--clients and --rounds take a positive whole number');

type Configuration = { name: string; how: string; launch(env: Record<string, string>): Promise<ServerProcess> };
const compiled = 'server/dist/main.js';
/** glibc's own default applies when MALLOC_ARENA_MAX is not set. */
const defaultArenas = { MALLOC_ARENA_MAX: undefined };
const configurations: Configuration[] = [
  {
    name: 'source (npm run dev)',
    how: 'node --conditions=switchyard-source --import tsx server/src/main.ts',
    launch: (env) =>
      launchServer(process.execPath, ['--conditions=switchyard-source', '--import', 'tsx', 'server/src/main.ts'], {
        ...env,
        ...defaultArenas,
      }),
  },
  {
    name: 'compiled, Node defaults',
    how: `node ${compiled}`,
    launch: (env) => launchServer(process.execPath, [compiled], { ...env, ...defaultArenas }),
  },
  ...[4, 1].map((mib) => ({
    name: `compiled, ${mib} MiB semi-spaces`,
    how: `node --max-semi-space-size=${mib} ${compiled}`,
    launch: (env: Record<string, string>) =>
      launchServer(process.execPath, [`--max-semi-space-size=${mib}`, compiled], { ...env, ...defaultArenas }),
  })),
  {
    name: 'compiled, 2 malloc arenas',
    how: `MALLOC_ARENA_MAX=2 node ${compiled}`,
    launch: (env) => launchServer(process.execPath, [compiled], { ...env, MALLOC_ARENA_MAX: '2' }),
  },
  {
    name: 'npm start (start.sh)',
    how: 'sh server/start.sh: both settings',
    launch: (env) => launchServer('sh', ['server/start.sh'], { ...env, ...defaultArenas }),
  },
];

const ENVIRONMENT = 'production';
const FLAG = 'bench-memory';
const adminToken = `sy_admin_${randomBytes(32).toString('base64url')}`;
const redis = await startBenchRedis();
const db = await benchDatabase();
const env = { DATABASE_URL: db.url, ...redis.env, SWITCHYARD_ADMIN_TOKEN: adminToken };
const loadAtStart = loadAverage();
type Sample = { idleMb: number; loadedMb: number; peakMb: number };
const samples = new Map<string, Sample[]>(configurations.map((c) => [c.name, []]));
let serverKey = '';

try {
  for (let round = 0; round < rounds; round++) {
    // A different order each round, so no configuration always runs first (or right after another).
    const order = configurations.map((_, i) => configurations[(i + round) % configurations.length]!);
    for (const configuration of order) {
      const server = await configuration.launch(env);
      try {
        const api = adminApi(server.url, adminToken);
        if (!serverKey) {
          await seedFlags(api, ENVIRONMENT, 20);
          await api.createFlag(FLAG);
          serverKey = await api.createKey('server', ENVIRONMENT, 'bench-memory');
        }
        samples.get(configuration.name)!.push(await measure(server, api));
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await db.drop();
  await redis.stop();
}
report();

async function measure(server: ServerProcess, api: ReturnType<typeof adminApi>): Promise<Sample> {
  await sleep(2000);
  const idleMb = server.rssMb() ?? 0;
  const stream = await connect(server.url, clients);
  try {
    for (let i = 1; i <= TOGGLES; i++) {
      await api.toggle(FLAG, ENVIRONMENT, i % 2 === 1);
      await stream.patchesReach(clients * i);
    }
    await sleep(2000);
    return { idleMb, loadedMb: server.rssMb() ?? 0, peakMb: peakRssMb(server.child.pid) ?? 0 };
  } finally {
    for (const socket of stream.sockets) socket.terminate();
  }
}

/** N stream clients, each past its snapshot; they answer pings as an SDK does and count the patches they receive. */
async function connect(url: string, count: number) {
  const sockets: WebSocket[] = [];
  let patches = 0;
  let waiter: { target: number; resolve(): void } | null = null;
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/sdk/stream`, {
        headers: { authorization: `Bearer ${serverKey}` },
        perMessageDeflate: false,
      });
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; t?: number };
        if (message.type === 'ping') socket.send(`{"type":"pong","t":${Number(message.t)}}`);
        if (message.type === 'patch' && ++patches >= (waiter?.target ?? Infinity)) waiter!.resolve();
      });
      sockets.push(socket);
      return new Promise<void>((resolve, reject) => {
        socket.once('message', () => resolve());
        socket.once('error', reject);
        socket.once('close', (code) => reject(new Error(`a client was closed with ${code} before its snapshot`)));
      });
    });
    await Promise.all(batch);
  }
  return {
    sockets,
    /** Resolves once the clients have received `target` patches in all (10 s at most: a lost patch fails the run). */
    patchesReach(target: number): Promise<void> {
      if (patches >= target) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the clients received ${patches} of ${target} patches within 10 s`)), 10_000);
        waiter = {
          target,
          resolve: () => {
            clearTimeout(timer);
            waiter = null;
            resolve();
          },
        };
      });
    },
  };
}

function report() {
  const range = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return sorted.length === 1 ? String(median) : `${median} (${sorted[0]}–${sorted.at(-1)})`;
  };
  const results = configurations.map((c) => {
    const s = samples.get(c.name)!;
    return {
      configuration: c.name,
      how: c.how,
      idleMb: s.map((x) => x.idleMb),
      loadedMb: s.map((x) => x.loadedMb),
      peakMb: s.map((x) => x.peakMb),
    };
  });
  console.log(
    `\nMemory of one replica: RSS idle after start-up, then with ${clients} stream clients after ${TOGGLES} toggles pushed to them`,
  );
  console.log(`${rounds} round(s), configurations in a rotating order; median (min–max) over the rounds`);
  console.log(`Load average ${loadAtStart} at start, ${loadAverage()} at the end. Machine: ${JSON.stringify(machine())}\n`);
  printTable(
    results.map((r) => ({
      configuration: r.configuration,
      'idle RSS MB': range(r.idleMb),
      [`RSS MB with ${clients} clients`]: range(r.loadedMb),
      'peak RSS MB': range(r.peakMb),
    })),
  );
  console.log('\nHow each runs:');
  for (const r of results) console.log(`  ${r.configuration}: ${r.how}`);
  console.log(`\nGoal (issue 4): under 150 MB per replica at 1,000 clients over two replicas (${clients} here).`);
  if (args.out) writeJson(args.out, { machine: machine(), clients, toggles: TOGGLES, rounds, loadAverageAtStart: loadAtStart, results });
}
