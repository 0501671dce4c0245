/**
 * The model imports nothing but itself, and the engine nothing but itself and the model: no zod and no
 * `node:` modules, so `@switchyard/sdk/engine` and `@switchyard/sdk/model` run without zod and outside Node.
 * (browser-bundle.test.ts checks the same of the bundled entry point.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../../sdk/src/', import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(join(src, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(folder, f));
}

/** Every import and re-export, type-only ones included, resolved to a path under sdk/src (or left as written when it is a package). */
function importsOf(file: string): string[] {
  const source = readFileSync(join(src, file), 'utf8');
  const specs = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
  return specs.map((spec) => (spec.startsWith('.') ? relative(src, resolve(join(src, dirname(file)), spec)) : spec));
}

describe('engine and model dependencies', () => {
  it.each(sourceFiles('model'))('%s imports only other model files', (file) => {
    for (const target of importsOf(file)) expect(target, `${file} imports ${target}`).toMatch(/^model\/([a-z0-9-]+\/)*[a-z0-9-]+\.ts$/);
  });

  it.each(sourceFiles('engine'))('%s imports only other engine files and the model', (file) => {
    for (const target of importsOf(file)) {
      expect(target, `${file} imports ${target}`).toMatch(/^(engine|model)\/([a-z0-9-]+\/)*[a-z0-9-]+\.ts$/);
    }
  });
});
