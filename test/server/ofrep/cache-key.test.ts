/**
 * The bulk answer's cache key and ETag come from the request's context in its canonical form. The
 * hot path builds that form without copying the context (canonicalSwitchyardContextJson); it must
 * be, byte for byte, the canonical JSON of the Switchyard context the evaluation uses, or cached
 * answers and ETags would change between releases (the caches of every replica and every browser).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OfrepContext } from '../../../server/src/ofrep/schemas.ts';
import { canonicalSwitchyardContextJson, toSwitchyardContext } from '../../../server/src/ofrep/service.ts';
import { canonicalJson } from '../../../server/src/sdk-api/remote-evaluation.ts';

const attributeValue = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);
/** Attribute names include `key` and names that sort around it, so the targeting key lands in every position. */
const attributeName = fc.oneof(fc.constantFrom('key', 'kex', 'kez', 'a', 'z', 'targetingKeys', '__proto__x'), fc.string({ maxLength: 6 }));
const ofrepContext: fc.Arbitrary<OfrepContext | undefined> = fc.option(
  fc
    .record(
      {
        targetingKey: fc.string({ minLength: 1, maxLength: 8 }),
        attributes: fc.dictionary(
          attributeName.filter((name) => name !== 'targetingKey'),
          attributeValue,
          { maxKeys: 6 },
        ),
      },
      { requiredKeys: ['attributes'] },
    )
    .map(({ targetingKey, attributes }) => (targetingKey === undefined ? attributes : { ...attributes, targetingKey }) as OfrepContext),
  { nil: undefined },
);

describe('the OFREP bulk cache key', () => {
  it('is the canonical JSON of the Switchyard context, for any context', () => {
    fc.assert(
      fc.property(ofrepContext, (context) => {
        expect(canonicalSwitchyardContextJson(context)).toBe(canonicalJson(toSwitchyardContext(context)));
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the targeting key as `key` (over an attribute of that name) and sorts the attributes', () => {
    const context = { targetingKey: 'user-1', plan: 'pro', key: 'ignored', age: 42 } as OfrepContext;
    expect(canonicalSwitchyardContextJson(context)).toBe('{"age":42,"key":"user-1","plan":"pro"}');
    expect(canonicalSwitchyardContextJson(undefined)).toBe('{}');
  });
});
