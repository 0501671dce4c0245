/**
 * Switchyard: prepareSnapshot() once, then time isEnabled(prepared, key, ctx)
 * (isEnabled is evaluate(prepared, key, ctx, false) reduced to its boolean).
 */
import { runChild, type SystemDef } from '../child.ts';
import { type BenchContext, FLAG_KEYS } from '../spec.ts';
import { flagDefinition, snapshot } from '../switchyard-flags.ts';

async function sdk() {
  // Imported lazily so that a missing/broken engine is reported as this system's error.
  return (await import('@switchyard/sdk')) as any;
}

const system: SystemDef = {
  name: 'switchyard',
  async setup(caseName) {
    const { prepareSnapshot, isEnabled, evaluate } = await sdk();
    const key = FLAG_KEYS[caseName];
    const prepared = prepareSnapshot(snapshot({ [key]: flagDefinition(key, caseName) }));
    return {
      api: 'isEnabled(prepared, key, ctx) [= evaluate(prepared, key, ctx, false).value], sync',
      toNative: (c: BenchContext) => ({ key: c.key, email: c.email, country: c.country }),
      evalSync: (ctx) => isEnabled(prepared, key, ctx),
      verify(ctxs) {
        for (const ctx of ctxs) {
          const d = evaluate(prepared, key, ctx, false);
          if (d.value !== isEnabled(prepared, key, ctx))
            throw new Error(`isEnabled != evaluate().value for ${ctx.key}: ${JSON.stringify(d)}`);
        }
      },
    };
  },

  /** Heap and RSS after preparing a snapshot of 1,000 `targeted`-style flags. */
  async memory() {
    const { prepareSnapshot, isEnabled } = await sdk();
    const FLAGS = 1000;
    const gc = (globalThis as any).gc as (() => void) | undefined;
    if (!gc) throw new Error('run with --expose-gc');
    const settle = () => {
      gc();
      gc();
      return process.memoryUsage();
    };

    const before = settle();
    const flags: Record<string, unknown> = {};
    for (let i = 0; i < FLAGS; i++) {
      const key = `flag-${i}`;
      flags[key] = flagDefinition(key, 'targeted', `salt-${i}`);
    }
    const raw = snapshot(flags);
    const withRaw = settle();
    const prepared = prepareSnapshot(raw);
    // Touch every flag once so lazily-built structures are counted too.
    let t = 0;
    for (let i = 0; i < FLAGS; i++) if (isEnabled(prepared, `flag-${i}`, { key: 'user-x', email: 'a@example.com' })) t++;
    if (t !== FLAGS) throw new Error(`memory snapshot: expected all ${FLAGS} flags true for an example.com email, got ${t}`);
    const after = settle();
    const json = Buffer.byteLength(JSON.stringify(raw));
    // Keep both alive until after the measurement.
    (globalThis as any).__keep = [raw, prepared];
    return {
      flags: FLAGS,
      snapshotJsonBytes: json,
      heapUsedBaselineBytes: before.heapUsed,
      heapUsedBytes: after.heapUsed,
      heapDeltaBytes: after.heapUsed - before.heapUsed,
      /** heap growth for the raw snapshot objects (as parsed from JSON) */
      rawSnapshotHeapBytes: withRaw.heapUsed - before.heapUsed,
      /** heap growth from prepareSnapshot() on top of the raw snapshot */
      preparedHeapBytes: after.heapUsed - withRaw.heapUsed,
      rssBaselineBytes: before.rss,
      rssBytes: after.rss,
      rssDeltaBytes: after.rss - before.rss,
    };
  },
};

await runChild(system);
