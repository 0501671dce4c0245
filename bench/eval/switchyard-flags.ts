/** The bench flag in Switchyard's snapshot format, shared by the engine and client systems. */
import { type CaseName, EMAIL_SUFFIX, ROLLOUT_PERCENT, TARGET_KEYS } from './spec.ts';

export function flagDefinition(key: string, caseName: CaseName, salt = key): Record<string, unknown> {
  const base = {
    key,
    kind: 'boolean',
    variations: [true, false],
    salt,
    version: 1,
    clientSideAvailable: false,
    on: true,
    offVariation: 1,
    prerequisites: [],
  };
  if (caseName === 'simple') return { ...base, fallthrough: { variation: 0 }, targets: [], rules: [] };
  const onWeight = ROLLOUT_PERCENT * 1000;
  return {
    ...base,
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight: onWeight },
          { variation: 1, weight: 100_000 - onWeight },
        ],
      },
    },
    targets: [{ variation: 0, values: [...TARGET_KEYS] }],
    rules: [{ id: 'r1', clauses: [{ attribute: 'email', op: 'endsWith', values: [EMAIL_SUFFIX] }], variation: 0 }],
  };
}

export function snapshot(flags: Record<string, unknown>) {
  return { environment: 'bench', version: 1, flags, segments: {} };
}
