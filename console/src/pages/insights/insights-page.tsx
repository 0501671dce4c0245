import { useEffect, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { listEnvironments } from '../../api/flags.ts';
import type { Environment } from '../../api/types.ts';
import { Link, navigate } from '../../router/router.tsx';
import { EvaluationsChart, variationName } from './evaluations-chart.tsx';
import { type FlagEvaluations, flagEvaluations } from './insights-api.ts';

const RANGES = [
  { key: '1h', label: 'Last hour', ms: 3_600_000 },
  { key: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { key: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
] as const;
type RangeKey = (typeof RANGES)[number]['key'];

const param = (name: string) => new URLSearchParams(window.location.search).get(name);
const percent = (part: number, whole: number) => (whole === 0 ? '' : ` (${Number(((part / whole) * 100).toFixed(1))} %)`);

/** /insights/:key?env=&range=: a flag's evaluations per variation over time in one environment. */
export function InsightsPage({ flagKey }: { flagKey: string }) {
  const id = useId();
  const [environments, setEnvironments] = useState<Environment[] | null>(null);
  const [envKey, setEnvKey] = useState(() => param('env') ?? '');
  const [range, setRange] = useState<RangeKey>(() => (RANGES.find((r) => r.key === param('range'))?.key ?? '1h') as RangeKey);
  const [data, setData] = useState<FlagEvaluations | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    listEnvironments().then(
      (items) => {
        if (!live) return;
        setEnvironments(items);
        setEnvKey((current) => (items.some((e) => e.key === current) ? current : (items[0]?.key ?? '')));
      },
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!envKey) return;
    navigate(`/insights/${encodeURIComponent(flagKey)}?env=${encodeURIComponent(envKey)}&range=${range}`, { replace: true });
    let live = true;
    const to = new Date();
    const from = new Date(to.getTime() - RANGES.find((r) => r.key === range)!.ms);
    setData(null);
    flagEvaluations(flagKey, envKey, { from: from.toISOString(), to: to.toISOString() }).then(
      (answer) => {
        if (!live) return;
        setData(answer);
        setError(null);
      },
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, [flagKey, envKey, range]);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="config-head">
        <h1 id={`${id}-title`}>Evaluations of {flagKey}</h1>
        {envKey && (
          <p>
            <Link to={`/flags/${encodeURIComponent(flagKey)}/${encodeURIComponent(envKey)}`}>Configuration</Link> ·{' '}
            <Link to={`/flags/${encodeURIComponent(flagKey)}/${encodeURIComponent(envKey)}/release`}>Releases and schedules</Link> ·{' '}
            <Link to="/stale-flags">Stale flags</Link>
          </p>
        )}
      </div>
      <search className="filters">
        <div className="field">
          <label htmlFor={`${id}-env`}>Environment</label>
          <select id={`${id}-env`} value={envKey} onChange={(e) => setEnvKey(e.target.value)}>
            {(environments ?? []).map((env) => (
              <option key={env.key} value={env.key}>
                {env.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-range`}>Time range</label>
          <select id={`${id}-range`} value={range} onChange={(e) => setRange(e.target.value as RangeKey)}>
            {RANGES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
      </search>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!data ? (
        !error && <p role="status">Loading the evaluations…</p>
      ) : (
        <>
          <p className="chart-summary">
            {data.totals.evaluations.toLocaleString('en')} evaluations from{' '}
            <time dateTime={data.from}>{new Date(data.from).toLocaleString()}</time> to{' '}
            <time dateTime={data.to}>{new Date(data.to).toLocaleString()}</time>
            {data.totals.variations.length > 0 && ': '}
            {data.totals.variations
              .map((v) => `${variationName(v)} ${v.count.toLocaleString('en')}${percent(v.count, data.totals.evaluations)}`)
              .join(', ')}
            {data.totals.errors.map((e) => `, error ${e.errorKind} ${e.count.toLocaleString('en')}`).join('')}. Status: {data.status.status}
            {data.lastEvaluatedAt ? `, last evaluated ${new Date(data.lastEvaluatedAt).toLocaleString()}` : ', never evaluated here'}.
          </p>
          <EvaluationsChart data={data} />
          {data.sdks.length > 0 && (
            <p className="muted">
              SDKs seen:{' '}
              {data.sdks.map((s) => `${s.name} ${s.version} (${s.instances} ${s.instances === 1 ? 'instance' : 'instances'})`).join(', ')}
            </p>
          )}
        </>
      )}
    </section>
  );
}
