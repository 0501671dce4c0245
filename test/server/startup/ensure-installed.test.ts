/**
 * `npm start` and `npm test` from a fresh clone install the dependencies and build once: `npm ci`
 * builds in the postinstall script, so prestart and pretest must not build a second time; on an
 * installed tree they build what changed. Their scripts run here, as npm runs them, against a
 * stand-in `npm` that records what it is asked to do.
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT } from './spawn.ts';

const scripts = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A checkout with the repository's scripts, installed or not, and an `npm` that only records its arguments. */
async function checkout(installed: boolean) {
  const root = await mkdtemp(path.join(tmpdir(), 'sy-ensure-installed-'));
  dirs.push(root);
  await mkdir(path.join(root, 'scripts'));
  await copyFile(path.join(REPO_ROOT, 'scripts/ensure-installed.mjs'), path.join(root, 'scripts/ensure-installed.mjs'));
  await mkdir(path.join(root, 'bin'));
  await writeFile(path.join(root, 'bin/npm'), '#!/bin/sh\necho "npm $*" >> "$NPM_CALLS"\n');
  await chmod(path.join(root, 'bin/npm'), 0o755);
  if (installed) {
    await mkdir(path.join(root, 'node_modules'));
    await writeFile(path.join(root, 'node_modules/.package-lock.json'), '{}');
    await mkdir(path.join(root, 'server/src/generated/prisma'), { recursive: true });
    await writeFile(path.join(root, 'server/src/generated/prisma/client.ts'), '');
  }
  const calls = path.join(root, 'npm-calls');
  await writeFile(calls, '');
  return {
    /** Runs a script of the root package.json as npm would (sh -c, from the root) and returns the npm commands it ran. */
    async run(script: string): Promise<string[]> {
      const env = cleanEnv({ PATH: `${path.join(root, 'bin')}:${process.env.PATH}`, NPM_CALLS: calls });
      execFileSync('sh', ['-c', scripts[script]!], { cwd: root, env, stdio: 'pipe' });
      return (await readFile(calls, 'utf8')).split('\n').filter(Boolean);
    },
  };
}

describe('prestart and pretest', () => {
  it('build as part of npm install (postinstall), so a fresh clone is built once', () => {
    expect(scripts.postinstall).toMatch(/npm run build\b/);
  });

  for (const script of ['prestart', 'pretest']) {
    it(`${script} on a fresh clone: installs with npm ci, showing only errors, and builds no second time`, async () => {
      const calls = await (await checkout(false)).run(script);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(/^npm ci\b/);
      expect(calls[0]).toContain('--loglevel=error');
    });

    it(`${script} on an installed tree: builds what changed, and installs nothing`, async () => {
      const calls = await (await checkout(true)).run(script);
      expect(calls).toEqual([expect.stringMatching(/^npm run build\b/)]);
    });
  }
});
