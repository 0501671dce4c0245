import { type FlagKind, LIMITS, variationValueFitsKind } from '@switchyard/sdk/schema';

export const BOOLEAN_VARIATIONS: readonly boolean[] = [true, false];

/** JSON with object keys sorted, so that `{a,b}` and `{b,a}` count as the same variation. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Problems with a flag's variations for its kind: 2..LIMITS.maxVariations values, each of the
 * kind, no two equal. Paths are relative to the variations array's owner (e.g. `variations[1]`).
 */
export function variationProblems(kind: FlagKind, variations: readonly unknown[]): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (variations.length < 2 || variations.length > LIMITS.maxVariations) {
    problems.push({ path: ['variations'], message: `a flag needs between 2 and ${LIMITS.maxVariations} variations` });
  }
  const seen = new Map<string, number>();
  variations.forEach((value, index) => {
    if (!variationValueFitsKind(kind, value)) {
      problems.push({ path: ['variations', index], message: `must be a ${kind === 'json' ? 'JSON value' : kind} for a ${kind} flag` });
      return;
    }
    const id = canonical(value);
    if (id.length > LIMITS.maxVariationValueLength) {
      problems.push({ path: ['variations', index], message: `must be at most ${LIMITS.maxVariationValueLength} characters as JSON` });
      return;
    }
    const first = seen.get(id);
    if (first !== undefined) problems.push({ path: ['variations', index], message: `duplicates variations[${first}]` });
    else seen.set(id, index);
  });
  return problems;
}
