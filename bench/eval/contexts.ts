/**
 * Deterministic pseudo-random evaluation contexts. run.ts generates them once
 * and writes them to a temp JSON file that every child process reads, so all
 * systems evaluate exactly the same inputs.
 */
import { type BenchContext, EMAIL_SUFFIX, TARGET_KEYS } from './spec.ts';

/** mulberry32: tiny, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ~10% example.com; the others include near misses that must NOT match `endsWith "@example.com"`.
const OTHER_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'corp.test', 'example.org', 'mail.example.com.au', 'sub.example.com'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CA', 'NL', 'ES'];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const DEFAULT_COUNT = 10_000;
export const DEFAULT_SEED = 0x5eed;
/** How many contexts carry a target key (target-0..9, each used TARGET_REPEAT times). */
const TARGET_REPEAT = 2;

export function generateContexts(count = DEFAULT_COUNT, seed = DEFAULT_SEED): BenchContext[] {
  const rnd = mulberry32(seed);
  const word = (len: number) => {
    let s = '';
    for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    return s;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

  const seen = new Set<string>();
  const contexts: BenchContext[] = [];
  while (contexts.length < count) {
    const key = `user-${word(10)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const domain = rnd() < 0.1 ? EMAIL_SUFFIX.slice(1) : pick(OTHER_DOMAINS);
    contexts.push({ key, email: `${word(8)}@${domain}`, country: pick(COUNTRIES) });
  }
  // Sprinkle the individual targets at deterministic positions, with non-matching
  // emails so only the target list can serve them true.
  let slot = 0;
  for (let r = 0; r < TARGET_REPEAT; r++) {
    for (const key of TARGET_KEYS) {
      const i = Math.floor(rnd() * count);
      contexts[i] = { key, email: `t${slot++}@corp.test`, country: pick(COUNTRIES) };
    }
  }
  return contexts;
}
