import { useMemo } from 'react';
import { type ChartColor, ChartLegend, type ChartLine, TimeChart } from '../../components/time-chart.tsx';
import type { FlagEvaluations } from './insights-api.ts';

const COLORS: ChartColor[] = ['series-1', 'series-2', 'series-3', 'series-4', 'series-5'];
const count = (value: number) => value.toLocaleString('en');
const formatCount = (value: number) => (Number.isInteger(value) ? count(value) : '');

export const variationName = (v: { variation: number; value?: unknown }) =>
  `${v.variation}: ${v.value === undefined ? '(no such variation)' : JSON.stringify(v.value)}`;

/** Evaluations per variation (and errors) per bucket, with the same numbers as a table. */
export function EvaluationsChart({ data }: { data: FlagEvaluations }) {
  const names = data.totals.variations.map(variationName);
  const lines = useMemo<ChartLine[]>(
    () => [
      ...data.totals.variations.map((v, i) => ({
        label: variationName(v),
        color: COLORS[i % COLORS.length]!,
        values: data.buckets.map((b) => b.variations[i]?.count ?? 0),
      })),
      ...(data.totals.errors.length > 0
        ? [
            {
              label: 'Errors',
              color: 'error' as const,
              dashed: true,
              values: data.buckets.map((b) => b.errors.reduce((n, e) => n + e.count, 0)),
            },
          ]
        : []),
    ],
    [data],
  );
  const times = useMemo(() => data.buckets.map((b) => Date.parse(b.start)), [data]);
  const time = (iso: string) =>
    data.granularity === 'minute'
      ? new Date(iso).toLocaleTimeString()
      : new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

  return (
    <figure className="guard-chart" aria-labelledby="evaluations-caption">
      <figcaption id="evaluations-caption">
        Evaluations per {data.granularity} and variation of <strong>{data.flagKey}</strong> in {data.environmentKey}
      </figcaption>
      <TimeChart times={times} lines={lines} formatValue={formatCount} />
      <ChartLegend lines={lines} />
      <details className="chart-numbers">
        <summary>The numbers of the evaluations chart</summary>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll (axe: scrollable-region-focusable) */}
        <section className="table-scroll" aria-label={'The numbers of the evaluations'} tabIndex={0}>
          <table className="numbers-table">
            <caption className="visually-hidden">Evaluations per {data.granularity}</caption>
            <thead>
              <tr>
                <th scope="col">{data.granularity === 'minute' ? 'Minute' : 'Hour'}</th>
                {names.map((name) => (
                  <th scope="col" key={name}>
                    {name}
                  </th>
                ))}
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {data.buckets.map((bucket) => (
                <tr key={bucket.start}>
                  <th scope="row">
                    <time dateTime={bucket.start}>{time(bucket.start)}</time>
                  </th>
                  {data.totals.variations.map((v, i) => (
                    <td key={v.variation}>{count(bucket.variations[i]?.count ?? 0)}</td>
                  ))}
                  <td>{count(bucket.errors.reduce((n, e) => n + e.count, 0))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>
    </figure>
  );
}
