/**
 * Not a peer: the harness overhead (loop, array load, closure call, counting)
 * with an "engine" that only reads one context field. Not run by default;
 * `npm run bench:eval -- --systems baseline` (its check column will warn for `targeted`).
 */
import { runChild, type SystemDef } from '../child.ts';
import type { BenchContext } from '../spec.ts';

const system: SystemDef = {
  name: 'baseline',
  async setup() {
    return {
      api: 'ctx.key !== undefined (harness overhead only), sync',
      toNative: (c: BenchContext) => ({ key: c.key, email: c.email, country: c.country }),
      evalSync: (ctx: BenchContext) => ctx.key !== undefined,
    };
  },
};

await runChild(system);
