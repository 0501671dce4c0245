/**
 * Generated snapshots and patches for the property tests of incremental preparation: targets, rules
 * with segmentMatch and rollouts, prerequisites and their cycles, nested segments, malformed flags and
 * segments; patches that change, add and remove flags, one in four also segments.
 */
import fc from 'fast-check';
import { allFlags, evaluate, type PreparedSnapshot } from '../../../sdk/src/engine/index.ts';
import type { Clause, Context, FlagDefinition, SegmentDefinition, Snapshot } from '../../../sdk/src/model/index.ts';

export const FLAG_KEYS = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'];
export const SEGMENT_KEYS = ['s0', 's1', 's2', 's3'];
export const CONTEXT_KEYS = ['u0', 'u1', 'u2', 'u3', 'u4'];

export const CONTEXTS: Context[] = [
  ...CONTEXT_KEYS.map((key, i) => ({ key, country: i % 2 === 0 ? 'NZ' : 'FR', plan: `plan-${i}` })),
  { key: 'u5' },
  { kind: 'user', name: 'no key' } as unknown as Context,
];

const clauseArb: fc.Arbitrary<Clause> = fc.oneof(
  fc.record({
    attribute: fc.constant('country'),
    op: fc.constant('in' as const),
    values: fc.subarray(['NZ', 'FR', 'AU']),
    negate: fc.boolean(),
  }),
  fc.record({ attribute: fc.constant('plan'), op: fc.constant('startsWith' as const), values: fc.subarray(['plan-1', 'plan-3', 'plan']) }),
  fc.record({
    attribute: fc.constant(''),
    op: fc.constant('segmentMatch' as const),
    values: fc.subarray(SEGMENT_KEYS, { minLength: 1 }),
    negate: fc.boolean(),
  }),
);

/** A definition that cannot be read: an unknown operator. */
const badClause = { attribute: 'country', op: 'bogus', values: ['NZ'] } as unknown as Clause;

const rolloutArb = fc.integer({ min: 0, max: 100000 }).map((w) => ({
  variations: [
    { variation: 0, weight: w },
    { variation: 1, weight: 100000 - w },
  ],
}));

const serveArb = fc.oneof(
  fc.integer({ min: 0, max: 1 }).map((variation) => ({ variation })),
  rolloutArb.map((rollout) => ({ rollout })),
);

function flagArb(key: string): fc.Arbitrary<FlagDefinition> {
  return fc
    .record({
      version: fc.integer({ min: 1, max: 1000 }),
      on: fc.boolean(),
      offVariation: fc.integer({ min: 0, max: 1 }),
      targets: fc.array(fc.record({ variation: fc.integer({ min: 0, max: 1 }), values: fc.subarray(CONTEXT_KEYS) }), { maxLength: 2 }),
      rules: fc.array(fc.tuple(fc.array(clauseArb, { minLength: 1, maxLength: 3 }), serveArb), { maxLength: 3 }),
      fallthrough: serveArb,
      prerequisites: fc.oneof(
        { weight: 1, arbitrary: fc.constant([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.record({ key: fc.constantFrom(...FLAG_KEYS), variation: fc.integer({ min: 0, max: 1 }) }), {
            maxLength: 2,
          }),
        },
      ),
      malformed: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('variation', 'clause') }),
    })
    .map(({ version, on, offVariation, targets, rules, fallthrough, prerequisites, malformed }) => {
      const def = {
        key,
        kind: 'boolean',
        variations: [true, false],
        salt: `${key}-salt`,
        version,
        clientSideAvailable: version % 2 === 0,
        on,
        offVariation,
        targets,
        rules: rules.map(([clauses, serve], i) => ({
          id: `r${i}`,
          clauses: malformed === 'clause' && i === 0 ? [badClause] : clauses,
          ...serve,
        })),
        fallthrough: malformed === 'variation' ? { variation: 7 } : fallthrough,
        prerequisites,
      };
      return def as FlagDefinition;
    });
}

function segmentArb(key: string): fc.Arbitrary<SegmentDefinition> {
  return fc
    .record({
      version: fc.integer({ min: 1, max: 1000 }),
      included: fc.subarray(CONTEXT_KEYS),
      excluded: fc.subarray(CONTEXT_KEYS),
      rules: fc.array(fc.array(clauseArb, { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
      malformed: fc.boolean().map((b) => b && key === 's3'),
    })
    .map(({ version, included, excluded, rules, malformed }) => ({
      key,
      version,
      included,
      excluded,
      rules: malformed ? [{ clauses: [badClause] }] : rules.map((clauses) => ({ clauses })),
    }));
}

/** Each key present (with a definition) or not, one in five absent. */
function entriesArb<T>(keys: readonly string[], arb: (key: string) => fc.Arbitrary<T>): fc.Arbitrary<Record<string, T>> {
  return fc.tuple(...keys.map((k) => fc.option(arb(k), { freq: 4 }).map((v) => [k, v] as const))).map((entries) => {
    const out: Record<string, T> = {};
    for (const [k, v] of entries) if (v !== null) out[k] = v;
    return out;
  });
}

export const snapshotArb: fc.Arbitrary<Snapshot> = fc
  .tuple(entriesArb(FLAG_KEYS, flagArb), entriesArb(SEGMENT_KEYS, segmentArb))
  .map(([flags, segments]) => ({ environment: 'test', version: 1, flags, segments }));

export type GeneratedPatch = { flags: [string, FlagDefinition | null][]; segments: [string, SegmentDefinition | null][] };

/** A few flags changed, added or removed; one patch in four also touches segments. */
export const patchArb: fc.Arbitrary<GeneratedPatch> = fc.record({
  flags: fc
    .uniqueArray(fc.constantFrom(...FLAG_KEYS), { minLength: 0, maxLength: 3 })
    .chain((keys) =>
      fc.tuple(...keys.map((k) => fc.option(flagArb(k), { freq: 3 }).map((f) => [k, f] as [string, FlagDefinition | null]))),
    ),
  segments: fc.oneof(
    { weight: 3, arbitrary: fc.constant<[string, SegmentDefinition | null][]>([]) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.constantFrom(...SEGMENT_KEYS), { minLength: 1, maxLength: 2 })
        .chain((keys) =>
          fc.tuple(...keys.map((k) => fc.option(segmentArb(k), { freq: 3 }).map((s) => [k, s] as [string, SegmentDefinition | null]))),
        ),
    },
  ),
});

/** The patched snapshot as RuleSet.applyPatch builds it: unchanged definitions are the same objects. */
export function applied(before: Snapshot, patch: GeneratedPatch): Snapshot {
  const flags = { ...before.flags };
  for (const [k, f] of patch.flags) {
    if (f) flags[k] = f;
    else delete flags[k];
  }
  const segments = { ...before.segments };
  for (const [k, s] of patch.segments) {
    if (s) segments[k] = s;
    else delete segments[k];
  }
  return { ...before, version: before.version + 1, flags, segments };
}

/** Everything evaluation can tell about a prepared snapshot, for the flags and contexts above. */
export function observe(p: PreparedSnapshot) {
  return {
    environment: p.environment,
    version: p.version,
    keys: p.flagKeys(),
    malformed: FLAG_KEYS.map((k) => p.malformedReason(k)),
    details: CONTEXTS.map((c) => FLAG_KEYS.map((k) => evaluate(p, k, c, 'default'))),
    all: CONTEXTS.map((c) => allFlags(p, c)),
    clientSide: allFlags(p, CONTEXTS[0]!, { clientSideOnly: true }),
  };
}
