/**
 * LaunchDarkly Node server SDK, offline: flag data from integrations.TestData
 * (usePreconfiguredFlag with a full flag JSON, the same data model the LD
 * service sends), sendEvents false, diagnostics off, logger silenced below warn.
 * Timed call: `await client.variation(key, context, false)` — variation() is
 * async (returns a Promise), so every evaluation pays at least one microtask.
 */
import { basicLogger, init, integrations, type LDContext } from '@launchdarkly/node-server-sdk';
import { runChild, type SystemDef } from '../child.ts';
import { type BenchContext, EMAIL_SUFFIX, FLAG_KEYS, ROLLOUT_PERCENT, TARGET_KEYS } from '../spec.ts';

const system: SystemDef = {
  name: 'launchdarkly',
  async setup(caseName) {
    const key = FLAG_KEYS[caseName];
    const onWeight = ROLLOUT_PERCENT * 1000;
    const flag = {
      key,
      version: 1,
      on: true,
      variations: [true, false],
      offVariation: 1,
      salt: key,
      prerequisites: [],
      trackEvents: false,
      trackEventsFallthrough: false,
      clientSide: false,
      deleted: false,
      ...(caseName === 'simple'
        ? { targets: [], contextTargets: [], rules: [], fallthrough: { variation: 0 } }
        : {
            targets: [{ values: [...TARGET_KEYS], variation: 0 }],
            contextTargets: [],
            rules: [
              {
                id: 'r1',
                clauses: [{ contextKind: 'user', attribute: 'email', op: 'endsWith', values: [EMAIL_SUFFIX], negate: false }],
                variation: 0,
                trackEvents: false,
              },
            ],
            fallthrough: {
              rollout: {
                bucketBy: 'key',
                variations: [
                  { variation: 0, weight: onWeight },
                  { variation: 1, weight: 100_000 - onWeight },
                ],
              },
            },
          }),
    };
    const td = new integrations.TestData();
    await td.usePreconfiguredFlag(flag);
    const client = init('sdk-bench-offline', {
      updateProcessor: td.getFactory(),
      sendEvents: false,
      diagnosticOptOut: true,
      logger: basicLogger({ level: 'warn' }),
    });
    await client.waitForInitialization({ timeout: 5 });
    return {
      api: 'await client.variation(key, context, false), ASYNC',
      toNative: (c: BenchContext): LDContext => ({ kind: 'user', key: c.key, email: c.email, country: c.country }),
      evalAsync: (ctx: LDContext) => client.variation(key, ctx, false) as Promise<boolean>,
      close: () => client.close(),
    };
  },
};

await runChild(system);
