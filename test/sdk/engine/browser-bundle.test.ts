/**
 * `@switchyard/sdk/engine` runs in a browser: bundled by esbuild for the browser platform with nothing
 * external, it builds from engine and model files only (no zod, no `ws`, no `node:` module), and the
 * bundle evaluates flags in a bare JavaScript realm that has only the browser globals it uses.
 */

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../sdk/src/engine/index.ts';
import { bundleEngineForBrowser } from '../helpers/engine-bundle.ts';
import { flag, snapshot } from './helpers.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const rules = snapshot([
  flag('checkout', {
    kind: 'json',
    variations: [{ layout: 'new' }, { layout: 'old' }],
    rules: [
      { id: 'staff', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@corp.example'] }], variation: 0 },
      { id: 'modern', clauses: [{ attribute: 'app', op: 'semVerGreaterThan', values: ['2.0.0'] }], variation: 0 },
    ],
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight: 50_000 },
          { variation: 1, weight: 50_000 },
        ],
      },
    },
  }),
]);
const contexts = [
  { key: 'ana', email: 'ana@corp.example' },
  { key: 'bo', app: '2.1.0' },
  ...Array.from({ length: 20 }, (_, i) => ({ key: `user-${i}` })),
];

const bundle = bundleEngineForBrowser;

describe('the engine entry point in a browser bundle', () => {
  it('bundles with no externals from engine and model files only, and needs nothing from Node', async () => {
    const result = await bundle();
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(repoRoot, input));
    for (const input of inputs) expect(input).toMatch(/^sdk\/src\/(engine|model)\//);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/["'`]node:/);
    expect(code).not.toMatch(/\brequire\s*\(/);
  });

  it('evaluates flags in a bare realm with only browser globals, as the engine does under Node', async () => {
    const code = (await bundle()).outputFiles[0]!.text;
    const realm = createContext({ structuredClone, TextEncoder, rulesJson: JSON.stringify(rules), contextsJson: JSON.stringify(contexts) });
    runInContext(code, realm);
    const bundled = runInContext(
      `const rules = JSON.parse(rulesJson);
       JSON.stringify(JSON.parse(contextsJson).map((context) => switchyard.evaluate(rules, 'checkout', context, null)))`,
      realm,
    ) as string;
    const direct = contexts.map((context) => evaluate(rules, 'checkout', context, null));
    expect(JSON.parse(bundled)).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(direct.map((d) => d.reason.kind)).toContain('RULE_MATCH');
    expect(new Set(direct.map((d) => d.variationIndex))).toEqual(new Set([0, 1]));
  });
});
