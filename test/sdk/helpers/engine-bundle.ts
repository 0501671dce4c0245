import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The engine entry point's source, as a browser bundle is built from it. */
const ENGINE_ENTRY = fileURLToPath(new URL('../../../sdk/src/engine/index.ts', import.meta.url));

/** Bundles the engine entry for a browser, nothing external: a script defining the global `switchyard`. */
export function bundleEngineForBrowser() {
  return build({
    entryPoints: [ENGINE_ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'switchyard',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
}
