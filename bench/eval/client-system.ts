/**
 * The Switchyard SDK client as a bench system: a client bootstrapped with the bench snapshot, timing
 * `client.isEnabled(key, ctx)`. The two client rows differ only in the options given here, so their
 * difference is what evaluation counting costs.
 */
import type { SystemDef } from './child.ts';
import { type BenchContext, FLAG_KEYS } from './spec.ts';
import { flagDefinition, snapshot } from './switchyard-flags.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function clientSystem(name: string, api: string, options: Record<string, unknown>): SystemDef {
  return {
    name,
    async setup(caseName) {
      // Imported lazily so that a missing/broken SDK is reported as this system's error.
      const { createClient, evaluate, prepareSnapshot } = (await import('@switchyard/sdk')) as any;
      const key = FLAG_KEYS[caseName];
      const rules = snapshot({ [key]: flagDefinition(key, caseName) });
      const client = createClient({ ...options, bootstrap: rules, logger: silent });
      client.on('error', () => undefined);
      const reference = prepareSnapshot(rules);
      return {
        api,
        toNative: (c: BenchContext) => ({ key: c.key, email: c.email, country: c.country }),
        evalSync: (ctx) => client.isEnabled(key, ctx),
        verify(ctxs) {
          for (const ctx of ctxs) {
            const expected = evaluate(reference, key, ctx, false).value;
            if (client.isEnabled(key, ctx) !== expected) throw new Error(`client.isEnabled != engine evaluate for ${ctx.key}`);
          }
        },
        close: () => client.close(),
      };
    },
  };
}
