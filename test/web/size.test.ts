/**
 * @switchyard/web stays small and browser-only: each entry, bundled by esbuild for the browser and
 * minified (React left to the application), is under 6 KB gzipped, and it is built from the package's
 * own sources only, with no Node built-in.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const LIMIT_BYTES = 6 * 1024;

async function bundle(entry: string) {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../web/src/${entry}`, import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['react'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, gzipped: gzipSync(code).length, inputs: Object.keys(result.metafile.inputs).map((input) => relative(repoRoot, input)) };
}

describe('the browser bundle', () => {
  it.each(['index.ts', 'react/index.ts'])('web/src/%s is under 6 KB minified and gzipped', async (entry) => {
    const { gzipped } = await bundle(entry);
    console.log(`@switchyard/web ${entry}: ${gzipped} bytes gzipped`);
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(LIMIT_BYTES);
  });

  it('the SDK and its React bindings together are under 6 KB', async () => {
    const [sdk, react] = await Promise.all([bundle('index.ts'), bundle('react/index.ts')]);
    expect(sdk.gzipped + react.gzipped).toBeLessThan(LIMIT_BYTES);
  });

  it.each(['index.ts', 'react/index.ts'])('web/src/%s is built from web/src only, with no Node built-in', async (entry) => {
    const { code, inputs } = await bundle(entry);
    for (const input of inputs) expect(input).toMatch(/^web\/src\//);
    expect(code).not.toMatch(/["'`]node:/);
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(code).not.toMatch(/\b(?:process|Buffer|__dirname)\b/);
  });
});
