/**
 * The engine stays dependency-free: no zod (only `import type` from the schema folder) and no `node:`
 * modules, so `@switchyard/sdk` runs without zod and outside Node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../../sdk/src/engine/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('engine dependencies', () => {
  it.each(files)('%s imports nothing at runtime but other engine files', (file) => {
    const source = readFileSync(dir + file, 'utf8');
    const runtimeImports = [...source.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[2]!);
    for (const spec of runtimeImports) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z0-9-]+\.ts$/);
  });
});
