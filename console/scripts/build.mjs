// Builds the console into dist/ (vite build, then the size check), unless dist/ is newer than every
// source: `npm start` and `npm test` run the root build each time, and an unchanged console costs nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');
// The SDK's model is bundled from its source (vite.config.ts), so a change there rebuilds the console too.
const sources = ['src', 'index.html', 'vite.config.ts', 'package.json', 'scripts', '../sdk/src/model'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...sources.map((s) => newest(join(root, s))))) process.exit(0);

const run = (file, args) => {
  try {
    execFileSync(file, args, { cwd: root, stdio: 'inherit' });
  } catch (error) {
    process.exit(typeof error.status === 'number' ? error.status : 1);
  }
};
const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
run(process.execPath, [vite, 'build', '--logLevel', 'warn']);
run(process.execPath, [join(root, 'scripts/check-size.mjs')]);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
