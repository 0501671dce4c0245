/**
 * flagd in-process evaluation core (@openfeature/flagd-core, the engine behind
 * the OpenFeature flagd in-process provider), fed a flagd JSON flag config.
 * Timed call: core.resolveBooleanEvaluation(key, false, context).value, sync.
 * (json-logic-engine runs in its default compiled mode.)
 */
import { FlagdCore } from '@openfeature/flagd-core';
import { runChild, type SystemDef } from '../child.ts';
import { type BenchContext, EMAIL_SUFFIX, FLAG_KEYS, ROLLOUT_PERCENT, TARGET_KEYS } from '../spec.ts';

type Ctx = { targetingKey: string; email: string; country: string };

const system: SystemDef = {
  name: 'flagd-core',
  async setup(caseName) {
    const key = FLAG_KEYS[caseName];
    const flag: Record<string, unknown> = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
    if (caseName === 'targeted') {
      flag.defaultVariant = 'off';
      flag.targeting = {
        if: [
          { in: [{ var: 'targetingKey' }, [...TARGET_KEYS]] },
          'on',
          { ends_with: [{ var: 'email' }, EMAIL_SUFFIX] },
          'on',
          // fractional without an explicit bucketing expression hashes flagKey + targetingKey
          {
            fractional: [
              ['on', ROLLOUT_PERCENT],
              ['off', 100 - ROLLOUT_PERCENT],
            ],
          },
        ],
      };
    }
    // Errors/warnings go to stderr (run.ts shows child stderr with --verbose or on failure).
    const logger = { error: console.error, warn: console.warn, info() {}, debug() {} };
    const core = new FlagdCore(undefined, logger);
    core.setConfigurations(JSON.stringify({ flags: { [key]: flag } }));
    return {
      api: 'core.resolveBooleanEvaluation(key, false, ctx).value, sync',
      toNative: (c: BenchContext): Ctx => ({ targetingKey: c.key, email: c.email, country: c.country }),
      evalSync: (ctx: Ctx) => core.resolveBooleanEvaluation(key, false, ctx).value,
    };
  },
};

await runChild(system);
