/** Builders shared by the engine specifications. */
import type { Clause, FlagDefinition, SegmentDefinition, Snapshot } from '../../../sdk/src/index.ts';

export function flag(key: string, overrides: Partial<FlagDefinition> = {}): FlagDefinition {
  return {
    key,
    kind: 'boolean',
    variations: [true, false],
    salt: `${key}-salt`,
    version: 1,
    clientSideAvailable: false,
    on: true,
    offVariation: 1,
    fallthrough: { variation: 0 },
    targets: [],
    rules: [],
    prerequisites: [],
    ...overrides,
  } as FlagDefinition;
}

export function segment(key: string, overrides: Partial<SegmentDefinition> = {}): SegmentDefinition {
  return { key, included: [], excluded: [], rules: [], version: 1, ...overrides };
}

export function snapshot(flags: FlagDefinition[], segments: SegmentDefinition[] = []): Snapshot {
  return {
    environment: 'test',
    version: 1,
    flags: Object.fromEntries(flags.map((f) => [f.key, f])),
    segments: Object.fromEntries(segments.map((s) => [s.key, s])),
  };
}

/** A boolean flag with one rule made of the given clauses, serving true when the rule matches, false otherwise. */
export function ruleFlag(...clauses: Clause[]): FlagDefinition {
  return flag('f', { rules: [{ id: 'r0', clauses, variation: 0 }], fallthrough: { variation: 1 } });
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
