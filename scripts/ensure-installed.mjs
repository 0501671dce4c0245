// Lets `npm start` and `npm test` work straight from a fresh clone: installs dependencies (exactly as
// locked) when they are missing. With --build (as prestart and pretest run it) it then builds what
// changed, unless it just installed: `npm ci` builds in the postinstall script, and once is enough.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** Runs a command in the foreground; on failure its own output has said why, so exit without a stack trace. */
function run(command) {
  try {
    execSync(command, { cwd: root, stdio: 'inherit' });
  } catch (error) {
    process.exit(typeof error.status === 'number' ? error.status : 1);
  }
}

const installed =
  existsSync(new URL('node_modules/.package-lock.json', root)) && existsSync(new URL('server/src/generated/prisma/client.ts', root));
if (!installed) {
  console.log('Dependencies are not installed yet: running `npm ci` once (about a minute)...');
  // Errors only: npm's warnings here are not the user's to act on. EBADENGINE comes from packages that
  // declare Node 22 and work on 20 (content-disposition under the /docs files, cookie under inject, a
  // Prisma tool for Bun); allowScripts lists install scripts nothing here needs (Prisma's engine
  // download, esbuild's binary check, native add-ons of testcontainers' SSH client).
  run('npm ci --no-audit --no-fund --loglevel=error');
} else if (process.argv.includes('--build')) {
  run('npm run build --silent');
}
