import { useMemo } from 'react';
import { ChartLegend, type ChartLine, TimeChart } from '../../components/time-chart.tsx';
import type { GuardHistory } from './releases-api.ts';

type Metric = GuardHistory['metrics'][number];

const OUTCOME_TEXT = { regression: 'regression', 'no-regression': 'no regression shown', 'insufficient-data': 'not enough data' } as const;

/**
 * One guard metric over the plan's life, in the metric's units: the old variation, the new one, the
 * range the new one lies in by the always-valid confidence sequence (old + the difference's interval,
 * shaded) and the threshold (old + the tolerated difference, dashed). A regression is the shaded
 * range wholly past the threshold. The same numbers follow as a table.
 */
export function GuardChart({ metric }: { metric: Metric }) {
  const binary = metric.kind === 'binary';
  const scale = binary ? 100 : 1;
  const format = useMemo(
    () => (binary ? (v: number) => `${Number(v.toFixed(2))} %` : (v: number) => String(Number(v.toPrecision(4)))),
    [binary],
  );
  const show = (value: number | null) => (value === null ? '–' : format(value * scale));

  const { times, lines } = useMemo(() => {
    const times = metric.points.map((p) => Date.parse(p.at));
    const relative = (offset: (p: Metric['points'][number]) => number | null) =>
      metric.points.map((p) => {
        const base = p.control.estimate;
        const delta = offset(p);
        return base === null || delta === null ? null : (base + delta) * scale;
      });
    const lines: ChartLine[] = [
      {
        label: 'Old variation',
        color: 'old',
        values: metric.points.map((p) => (p.control.estimate === null ? null : p.control.estimate * scale)),
      },
      {
        label: 'New variation',
        color: 'new',
        values: metric.points.map((p) => (p.treatment.estimate === null ? null : p.treatment.estimate * scale)),
      },
      { label: 'Interval upper', color: 'band', hidden: true, values: relative((p) => p.interval?.[1] ?? null) },
      { label: 'Interval lower', color: 'band', hidden: true, values: relative((p) => p.interval?.[0] ?? null) },
      { label: 'Threshold', color: 'threshold', dashed: true, values: relative((p) => p.threshold) },
    ];
    return { times, lines };
  }, [metric, scale]);

  const last = metric.points.at(-1);
  const hasData = metric.points.some((p) => p.control.estimate !== null || p.treatment.estimate !== null);
  const captionId = `guard-${metric.key}`;
  return (
    <figure className="guard-chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        <strong>{metric.key}</strong> ({binary ? 'share of exposed contexts with the event' : 'mean value'},{' '}
        {metric.direction === 'lower-is-better' ? 'lower is better' : 'higher is better'})
      </figcaption>
      {last && (
        <p className="chart-summary">
          Now: new {show(last.treatment.estimate)} on {last.treatment.contexts.toLocaleString('en')} contexts, old{' '}
          {show(last.control.estimate)} on {last.control.contexts.toLocaleString('en')}
          {last.interval
            ? `; the new one lies between ${show(last.control.estimate === null ? null : last.control.estimate + last.interval[0])} and ${show(last.control.estimate === null ? null : last.control.estimate + last.interval[1])}`
            : ''}
          {last.threshold !== null && last.control.estimate !== null ? `; threshold ${show(last.control.estimate + last.threshold)}` : ''}:{' '}
          {OUTCOME_TEXT[last.outcome]}.
        </p>
      )}
      {hasData ? (
        <>
          <TimeChart times={times} lines={lines} band={[2, 3]} formatValue={format} />
          <ChartLegend
            lines={[
              { label: 'Old variation', color: 'old' },
              { label: 'New variation', color: 'new' },
              { label: 'Confidence band for the new variation', color: 'band' },
              { label: 'Threshold (old + tolerated)', color: 'threshold', dashed: true },
            ]}
          />
        </>
      ) : (
        <p className="empty">No exposed contexts reported yet.</p>
      )}
      <details className="chart-numbers">
        <summary>The numbers of the {metric.key} chart</summary>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll (axe: scrollable-region-focusable) */}
        <section className="table-scroll" aria-label={`The numbers of ${metric.key}`} tabIndex={0}>
          <table className="numbers-table">
            <caption className="visually-hidden">{metric.key} over time</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Old (contexts)</th>
                <th scope="col">New (contexts)</th>
                <th scope="col">Difference interval</th>
                <th scope="col">Tolerated difference</th>
                <th scope="col">Verdict</th>
              </tr>
            </thead>
            <tbody>
              {metric.points.map((p) => (
                <tr key={p.at}>
                  <th scope="row">
                    <time dateTime={p.at}>{new Date(p.at).toLocaleTimeString()}</time>
                  </th>
                  <td>
                    {show(p.control.estimate)} ({p.control.contexts})
                  </td>
                  <td>
                    {show(p.treatment.estimate)} ({p.treatment.contexts})
                  </td>
                  <td>{p.interval ? `${show(p.interval[0])} to ${show(p.interval[1])}` : '–'}</td>
                  <td>{show(p.threshold)}</td>
                  <td>{OUTCOME_TEXT[p.outcome]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>
    </figure>
  );
}
