/**
 * GrowthBook JS SDK 1.x in its server-side multi-user mode: ONE GrowthBookClient
 * (initSync with an inline payload — no apiHost/clientKey, so nothing is fetched)
 * shared by all requests, the per-request user passed as a UserContext:
 * `client.isOn(key, { attributes })`. This is the pattern GrowthBook's Node
 * docs describe for servers (one shared client, a user context per request)
 * instead of a `new GrowthBook()` per request; it also avoids re-running
 * setAttributes() on a shared instance, which is not safe under concurrency.
 *
 * Flag: force-true rule for the target ids, force-true rule for emails matching
 * `@example\.com$` ($regex is what GrowthBook's "ends with" UI operator stores),
 * then a rollout rule (force true, coverage 0.25, hashed on `id`); default false.
 */
import { type FeatureDefinition, GrowthBookClient, type UserContext } from '@growthbook/growthbook';
import { runChild, type SystemDef } from '../child.ts';
import { type BenchContext, EMAIL_SUFFIX, FLAG_KEYS, ROLLOUT_PERCENT, TARGET_KEYS } from '../spec.ts';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const system: SystemDef = {
  name: 'growthbook',
  async setup(caseName) {
    const key = FLAG_KEYS[caseName];
    const feature: FeatureDefinition<boolean> =
      caseName === 'simple'
        ? { defaultValue: true }
        : {
            defaultValue: false,
            rules: [
              { id: 'targets', condition: { id: { $in: [...TARGET_KEYS] } }, force: true },
              { id: 'email', condition: { email: { $regex: `${escapeRegex(EMAIL_SUFFIX)}$` } }, force: true },
              { id: 'rollout', force: true, coverage: ROLLOUT_PERCENT / 100, hashAttribute: 'id' },
            ],
          };
    const client = new GrowthBookClient().initSync({ payload: { features: { [key]: feature } } });
    return {
      api: 'client.isOn(key, userContext) [GrowthBookClient multi-user], sync',
      toNative: (c: BenchContext): UserContext => ({ attributes: { id: c.key, email: c.email, country: c.country } }),
      evalSync: (ctx: UserContext) => client.isOn(key, ctx),
      close: () => client.destroy(),
    };
  },
};

await runChild(system);
