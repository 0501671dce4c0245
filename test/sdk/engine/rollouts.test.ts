/**
 * Specification of rollouts and bucketing: LaunchDarkly's published algorithm, test vectors checked
 * against an independent SHA-1 (node:crypto), weights 0 and 100000, buckets past the end, bucketBy,
 * seeds and non-string bucketing values.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucket, type Context, evaluate, type Rollout, sha1Hex } from '../../../sdk/src/index.ts';
import { flag, snapshot } from './helpers.ts';

/** The reference: exactly what LaunchDarkly's JS SDKs compute, with node:crypto's SHA-1. */
function referenceBucket(hashInput: string): number {
  const hex = createHash('sha1').update(hashInput).digest('hex');
  // biome-ignore lint/correctness/noPrecisionLoss: LaunchDarkly's bucketing divides by this literal, rounded as it is
  return parseInt(hex.substring(0, 15), 16) / 0xfffffffffffffff;
}

/** Test vectors, also listed in sdk/README.md. [flagKey, salt, value, seed, bucket] */
const VECTORS: [string, string, string | number, number | undefined, number][] = [
  // Published in LaunchDarkly's SDK test suites.
  ['hashKey', 'saltyA', 'userKeyA', undefined, 0.4215758743392494],
  ['hashKey', 'saltyA', 'userKeyB', undefined, 0.6708484965703435],
  ['hashKey', 'saltyA', 'userKeyC', undefined, 0.1034310617276969],
  ['hashKey', 'saltyA', 33333, undefined, 0.5477142345861467],
  ['hashKey', 'saltyA', 'userKeyA', 61, 0.0980120652476667],
  ['hashKey', 'saltyA', 'userKeyB', 61, 0.1448377737757314],
  ['hashKey', 'saltyA', 'userKeyC', 61, 0.9242640945125551],
  // Switchyard's own (values computed with node:crypto; each row is checked against it again below).
  ['new-checkout', 'a1b2c3', 'user-1', undefined, 0.7978135930142202],
  ['new-checkout', 'a1b2c3', 'user-2', undefined, 0.026633685943306673],
  ['new-checkout', 'a1b2c3', '', undefined, 0.1962349450780829],
  ['new-checkout', 'a1b2c3', 'ünïcødé-ключ-🔑', undefined, 0.8494670267472124],
  ['a-rather-long-flag-key-that-pushes-the-hash-prefix-past-one-block', 'salt', 'user-1', undefined, 0.11630241084606574],
  ['new-checkout', 'a1b2c3', -42, undefined, 0.7330739740621531],
  ['new-checkout', 'a1b2c3', 'user-1', 12345, 0.07964367175470866],
];

function hashInput(flagKey: string, salt: string, value: string | number, seed: number | undefined): string {
  return `${seed === undefined ? `${flagKey}.${salt}` : String(seed)}.${value}`;
}

describe('bucket: test vectors', () => {
  it.each(VECTORS)('bucket(%j, %j, %j, seed %j)', (flagKey, salt, value, seed, expected) => {
    const reference = referenceBucket(hashInput(flagKey, salt, value, seed));
    expect(reference).toBe(expected);
    expect(bucket(flagKey, salt, value, seed)).toBe(expected);
  });

  it('sha1Hex matches node:crypto', () => {
    for (const s of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(200), 'é€𝄞']) {
      expect(sha1Hex(s)).toBe(createHash('sha1').update(s).digest('hex'));
    }
  });

  it('non-bucketable values are in bucket 0: floats, booleans, null, undefined, arrays, objects', () => {
    for (const v of [1.5, Number.NaN, true, false, null, undefined, ['a'], { a: 1 }]) expect(bucket('f', 's', v)).toBe(0);
  });

  it('an integer buckets like its decimal string', () => {
    expect(bucket('f', 's', 123)).toBe(bucket('f', 's', '123'));
    expect(bucket('f', 's', 1e21)).toBe(bucket('f', 's', '1e+21'));
  });
});

/** Which variation a single-rollout flag serves. */
function served(rollout: Rollout, context: Context, flagKey = 'f', salt = 'f-salt'): number | null {
  const snap = snapshot([flag(flagKey, { salt, kind: 'number', variations: [0, 1, 2], offVariation: 0, fallthrough: { rollout } })]);
  return evaluate(snap, flagKey, context, -1).variationIndex;
}

/** The variation LaunchDarkly's algorithm picks for bucket b. */
function pick(rollout: Rollout, b: number): number {
  let sum = 0;
  for (const v of rollout.variations) {
    sum += v.weight / 100000;
    if (b < sum) return v.variation;
  }
  return rollout.variations[rollout.variations.length - 1]!.variation;
}

describe('rollouts', () => {
  const keys = Array.from({ length: 300 }, (_, i) => `ctx-${i}`);

  it('serves the variation whose cumulative weight first exceeds the bucket', () => {
    const rollout: Rollout = {
      variations: [
        { variation: 0, weight: 20000 },
        { variation: 1, weight: 30000 },
        { variation: 2, weight: 50000 },
      ],
    };
    for (const key of keys) expect(served(rollout, { key })).toBe(pick(rollout, bucket('f', 'f-salt', key)));
  });

  it('a variation with weight 100000 gets everyone; weight 0 gets no one', () => {
    const rollout: Rollout = {
      variations: [
        { variation: 0, weight: 0 },
        { variation: 1, weight: 100000 },
        { variation: 2, weight: 0 },
      ],
    };
    for (const key of keys) expect(served(rollout, { key })).toBe(1);
  });

  it('bucket 0 (a non-bucketable value) skips leading zero-weight variations', () => {
    const rollout: Rollout = {
      bucketBy: 'n',
      variations: [
        { variation: 0, weight: 0 },
        { variation: 2, weight: 100000 },
      ],
    };
    expect(served(rollout, { key: 'k', n: 1.5 })).toBe(2);
  });

  it('a bucket past the end of the weights (they sum to less than 100%) gets the last variation', () => {
    const rollout: Rollout = {
      variations: [
        { variation: 0, weight: 1 },
        { variation: 2, weight: 1 },
      ],
    };
    for (const key of keys.slice(0, 50)) {
      const b = bucket('f', 'f-salt', key);
      expect(served(rollout, { key })).toBe(b < 0.00001 ? 0 : 2);
    }
  });

  it('bucketBy buckets by another attribute: contexts sharing it share a variation', () => {
    const rollout: Rollout = {
      bucketBy: 'org',
      variations: [
        { variation: 0, weight: 50000 },
        { variation: 1, weight: 50000 },
      ],
    };
    const orgs = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'];
    for (const org of orgs) {
      const expected = pick(rollout, bucket('f', 'f-salt', org));
      for (const key of keys.slice(0, 20)) expect(served(rollout, { key, org })).toBe(expected);
    }
  });

  it('bucketBy "key" is the default', () => {
    const a: Rollout = {
      variations: [
        { variation: 0, weight: 50000 },
        { variation: 1, weight: 50000 },
      ],
    };
    const b: Rollout = { ...a, bucketBy: 'key' };
    for (const key of keys) expect(served(a, { key })).toBe(served(b, { key }));
  });

  it('integer bucketBy values bucket as their decimal string; floats, booleans, arrays and missing values are bucket 0', () => {
    const rollout: Rollout = {
      bucketBy: 'n',
      variations: [
        { variation: 0, weight: 50000 },
        { variation: 1, weight: 50000 },
      ],
    };
    expect(served(rollout, { key: 'k', n: 7 })).toBe(pick(rollout, bucket('f', 'f-salt', '7')));
    for (const n of [0.5, true, ['x'], undefined]) expect(served(rollout, { key: 'k', n })).toBe(0);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the title quotes the template the hash input follows
  it('with a seed, the hash input is `${seed}.${value}` and the flag key and salt no longer matter', () => {
    const rollout: Rollout = {
      seed: 61,
      variations: [
        { variation: 0, weight: 50000 },
        { variation: 1, weight: 50000 },
      ],
    };
    for (const key of keys) {
      const expected = pick(rollout, referenceBucket(`61.${key}`));
      expect(served(rollout, { key }, 'f', 'salt-1')).toBe(expected);
      expect(served(rollout, { key }, 'other', 'salt-2')).toBe(expected);
    }
  });

  it('the salt changes the bucketing', () => {
    const rollout: Rollout = {
      variations: [
        { variation: 0, weight: 50000 },
        { variation: 1, weight: 50000 },
      ],
    };
    const a = keys.map((key) => served(rollout, { key }, 'f', 's1'));
    const b = keys.map((key) => served(rollout, { key }, 'f', 's2'));
    expect(a).not.toEqual(b);
  });

  it('non-ASCII keys and keys longer than a hash block bucket like the reference', () => {
    for (const key of ['ключ', '🔑', 'x'.repeat(100), 'é'.repeat(40)]) {
      expect(bucket('f', 'f-salt', key)).toBe(referenceBucket(`f.f-salt.${key}`));
    }
  });
});
