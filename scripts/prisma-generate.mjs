// Generates the Prisma client without the native schema engine, which Prisma's CLI would
// otherwise try to download (and fail to, offline). `prisma generate` never runs that engine.
// With --if-stale (as `npm run build` runs it) it does nothing while the generated client is newer
// than prisma/schema.prisma; `npm install` always generates.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const schema = new URL('prisma/schema.prisma', root);
const generated = new URL('server/src/generated/prisma/client.ts', root);
if (process.argv.includes('--if-stale') && existsSync(generated) && statSync(generated).mtimeMs >= statSync(schema).mtimeMs)
  process.exit(0);

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync('/bin/false') ? '/bin/false' : process.execPath;
execFileSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env, cwd: root });
