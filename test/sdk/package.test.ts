import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs an ES module with plain Node (no TypeScript loader), as an application would. */
const runWithPlainNode = (source: string) =>
  execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: repoRoot, encoding: 'utf8' });

describe('the published @switchyard/sdk package', () => {
  it('is plain JavaScript with type declarations that any Node 20 application can import', () => {
    const out = runWithPlainNode(
      `
      import { prepareSnapshot, isEnabled, createClient } from '@switchyard/sdk';
      import { SwitchyardProvider } from '@switchyard/sdk/openfeature';
      import { FlagConfigSchema } from '@switchyard/sdk/schema';
      const flag = { key: 'f', kind: 'boolean', variations: [true, false], salt: 's', version: 1, clientSideAvailable: false,
        on: true, offVariation: 1, fallthrough: { variation: 0 }, targets: [], rules: [], prerequisites: [] };
      const snapshot = prepareSnapshot({ environment: 'production', version: 1, flags: { f: flag }, segments: {} });
      console.log(JSON.stringify([isEnabled(snapshot, 'f', { key: 'u' }), typeof createClient, typeof SwitchyardProvider, ` +
        `FlagConfigSchema.safeParse({ on: true, offVariation: 1, fallthrough: { variation: 0 }, ` +
        `targets: [], rules: [], prerequisites: [] }).success]));
    `,
    );
    expect(JSON.parse(out)).toEqual([true, 'function', 'function', true]);
  });

  it('has the engine and the model as entry points of their own', () => {
    const out = runWithPlainNode(`
      import { prepareSnapshot, isEnabled, LIMITS } from '@switchyard/sdk/engine';
      import { CloseCode, OPERATORS, defaultFlagConfig } from '@switchyard/sdk/model';
      const flag = { key: 'f', kind: 'boolean', variations: [true, false], salt: 's', version: 1, clientSideAvailable: false,
        ...defaultFlagConfig(2), on: true };
      const snapshot = prepareSnapshot({ environment: 'production', version: 1, flags: { f: flag }, segments: {} });
      console.log(JSON.stringify([isEnabled(snapshot, 'f', { key: 'u' }), LIMITS.maxRules, CloseCode.revoked, OPERATORS.length]));
    `);
    expect(JSON.parse(out)).toEqual([true, 200, 4403, 15]);
  });
});
