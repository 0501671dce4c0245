/**
 * unleash-client (Node server SDK), fully offline: features come from
 * `bootstrap.data`, refreshInterval 0 (its poller returns before any fetch),
 * metrics disabled (no /client/register, no metrics posts), in-memory backup
 * storage (no file writes). Timed call: unleash.isEnabled(name, context).
 */
import { type Context, InMemStorageProvider, Unleash } from 'unleash-client';
import { runChild, type SystemDef } from '../child.ts';
import { type BenchContext, EMAIL_SUFFIX, FLAG_KEYS, ROLLOUT_PERCENT, TARGET_KEYS } from '../spec.ts';

const system: SystemDef = {
  name: 'unleash-client',
  async setup(caseName) {
    const name = FLAG_KEYS[caseName];
    // Strategies are OR-ed: the targets list, the email constraint, then the 25% rollout.
    const strategies =
      caseName === 'simple'
        ? [{ name: 'default', parameters: {}, constraints: [] }]
        : [
            { name: 'userWithId', parameters: { userIds: TARGET_KEYS.join(',') }, constraints: [] },
            {
              name: 'default',
              parameters: {},
              constraints: [
                { contextName: 'email', operator: 'STR_ENDS_WITH', values: [EMAIL_SUFFIX], inverted: false, caseInsensitive: false },
              ],
            },
            {
              name: 'flexibleRollout',
              parameters: { rollout: String(ROLLOUT_PERCENT), stickiness: 'userId', groupId: name },
              constraints: [],
            },
          ];
    const unleash = new Unleash({
      appName: 'switchyard-bench',
      url: 'http://127.0.0.1:9/api/', // never contacted: refreshInterval 0 + disableMetrics
      refreshInterval: 0,
      disableMetrics: true,
      skipInstanceCountWarning: true,
      storageProvider: new InMemStorageProvider(),
      bootstrap: {
        data: [
          {
            name,
            enabled: true,
            type: 'release',
            project: 'default',
            stale: false,
            impressionData: false,
            variants: [],
            strategies,
          } as any,
        ],
      },
    });
    unleash.on('error', (e) => console.error('[unleash error]', e));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('unleash not ready after 5s')), 5000);
      unleash.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    return {
      api: 'unleash.isEnabled(name, context), sync',
      toNative: (c: BenchContext): Context => ({ userId: c.key, properties: { email: c.email, country: c.country } }),
      evalSync: (ctx: Context) => unleash.isEnabled(name, ctx),
      close: () => unleash.destroy(),
    };
  },
};

await runChild(system);
