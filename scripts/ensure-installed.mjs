// Lets `npm start` and `npm test` work straight from a fresh clone: installs dependencies
// (exactly as locked) when they are missing, and does nothing otherwise.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const installed =
  existsSync(new URL('node_modules/.package-lock.json', root)) && existsSync(new URL('server/src/generated/prisma/client.ts', root));
if (!installed) {
  console.log('Dependencies are not installed yet: running `npm ci` once (about a minute)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
