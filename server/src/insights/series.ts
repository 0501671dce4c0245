/** Dense series and totals from bucketed rows: every bucket of the plan, zeros included. */
import { type BucketPlan, bucketIndex } from './buckets.ts';
import type { BucketedEvaluationRow, EvaluationCountRow } from './repository.ts';
import { addSums, describeValues, NO_VALUES, type ValueSums } from './statistics.ts';

/** The flag's variation values as stored (a JSON array), or none for a key that is no flag. */
export const variationValues = (variations: unknown): unknown[] => (Array.isArray(variations) ? variations : []);

/** `{ value }` of variation `index`, or nothing when the flag has no such variation (a value may itself be null). */
export const variationValue = (values: readonly unknown[], index: number): { value?: unknown } =>
  index >= 0 && index < values.length ? { value: values[index] } : {};

/** Every variation of the flag and any other index counted, then every error counted: the columns of a series. */
function columnsOf(values: readonly unknown[], rows: readonly EvaluationCountRow[]) {
  const variations = new Set(values.map((_, index) => index));
  const errors = new Set<string>();
  for (const row of rows) {
    if (row.errorKind === '') variations.add(row.variation);
    else errors.add(row.errorKind);
  }
  return { variations: [...variations].sort((a, b) => a - b), errors: [...errors].sort() };
}

/** Totals per variation and error of `rows` (counts of one flag). */
export function evaluationTotals(values: readonly unknown[], rows: readonly EvaluationCountRow[]) {
  const columns = columnsOf(values, rows);
  const byVariation = new Map<number, number>();
  const byError = new Map<string, number>();
  for (const row of rows) {
    if (row.errorKind === '') byVariation.set(row.variation, (byVariation.get(row.variation) ?? 0) + row.count);
    else byError.set(row.errorKind, (byError.get(row.errorKind) ?? 0) + row.count);
  }
  const variations = columns.variations.map((variation) => ({
    variation,
    ...variationValue(values, variation),
    count: byVariation.get(variation) ?? 0,
  }));
  const errors = columns.errors.map((errorKind) => ({ errorKind, count: byError.get(errorKind) ?? 0 }));
  const evaluations = [...variations, ...errors].reduce((total, entry) => total + entry.count, 0);
  return { evaluations, variations, errors };
}

/** One flag's evaluations per bucket of the plan, with the totals over them. */
export function evaluationSeries(plan: BucketPlan, values: readonly unknown[], rows: readonly BucketedEvaluationRow[]) {
  const totals = evaluationTotals(values, rows);
  const variationColumn = new Map(totals.variations.map((entry, column) => [entry.variation, column]));
  const errorColumn = new Map(totals.errors.map((entry, column) => [entry.errorKind, column]));
  const buckets = plan.starts.map((start) => ({
    start: new Date(start).toISOString(),
    evaluations: 0,
    variations: totals.variations.map(({ variation }) => ({ variation, count: 0 })),
    errors: totals.errors.map(({ errorKind }) => ({ errorKind, count: 0 })),
  }));
  for (const row of rows) {
    const bucket = buckets[bucketIndex(plan, row.start)];
    if (!bucket) continue;
    const cell =
      row.errorKind === '' ? bucket.variations[variationColumn.get(row.variation)!] : bucket.errors[errorColumn.get(row.errorKind)!];
    cell!.count += row.count;
    bucket.evaluations += row.count;
  }
  return { buckets, totals };
}

/** One event key's sums per bucket of the plan, with mean and variance, and the totals over them. */
export function eventSeries(plan: BucketPlan, rows: readonly (ValueSums & { start: Date })[]) {
  const sums = plan.starts.map((): ValueSums => NO_VALUES);
  for (const row of rows) {
    const index = bucketIndex(plan, row.start);
    if (index >= 0 && index < sums.length) sums[index] = addSums(sums[index]!, row);
  }
  return {
    totals: describeValues(sums.reduce(addSums, NO_VALUES)),
    buckets: sums.map((bucket, index) => ({ start: new Date(plan.starts[index]!).toISOString(), ...describeValues(bucket) })),
  };
}
