// Generates the Prisma client without the native schema engine, which Prisma's CLI would
// otherwise try to download (and fail to, offline). `prisma generate` never runs that engine.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync('/bin/false') ? '/bin/false' : process.execPath;
execFileSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
