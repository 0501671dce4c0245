/**
 * The one flag every system implements, described once. Each system file
 * translates this into its own native flag format.
 */

export type CaseName = 'targeted' | 'simple';
export const CASES: readonly CaseName[] = ['targeted', 'simple'];

export const SYSTEMS = [
  'switchyard',
  'switchyard-client',
  'switchyard-client-metrics',
  'unleash-client',
  'launchdarkly',
  'growthbook',
  'flagd-core',
] as const;

/** Switchyard's own rows (the engine, and the SDK client without and with evaluation counting); the rest are peers. */
export const OWN_SYSTEMS: readonly string[] = ['switchyard', 'switchyard-client', 'switchyard-client-metrics'];

/** Flag key used for each case (same key in every system). */
export const FLAG_KEYS: Record<CaseName, string> = {
  targeted: 'bench-targeted',
  simple: 'bench-simple',
};

/** `targeted`: these context keys are served true. */
export const TARGET_KEYS: readonly string[] = Array.from({ length: 10 }, (_, i) => `target-${i}`);
/** `targeted`: contexts whose email ends with this are served true. */
export const EMAIL_SUFFIX = '@example.com';
/** `targeted`: everyone else gets true with this probability, bucketed by key. */
export const ROLLOUT_PERCENT = 25;

/** The context every system receives (converted once, before timing, to its native shape). */
export interface BenchContext {
  key: string;
  email: string;
  country: string;
}
