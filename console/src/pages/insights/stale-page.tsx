import { useEffect, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { Link } from '../../router/router.tsx';
import { type StaleEntry, type StaleFlags, staleFlags } from './insights-api.ts';

function StaleTable({ caption, entries }: { caption: string; entries: StaleEntry[] }) {
  return (
    <table className="flag-table stale-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Flag</th>
          <th scope="col">Why</th>
          <th scope="col">Per environment</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.flagKey}>
            <th scope="row" className="flag-cell">
              <Link to={`/insights/${encodeURIComponent(entry.flagKey)}`}>{entry.flagKey}</Link>
              <span className="flag-name">{entry.name}</span>
            </th>
            <td className="state-cell" data-label="Why">
              {entry.reason}
            </td>
            <td className="state-cell" data-label="Per environment">
              <ul className="evidence-list">
                {entry.environments.map((env) => (
                  <li key={env.environmentKey}>
                    <Link to={`/flags/${encodeURIComponent(entry.flagKey)}/${encodeURIComponent(env.environmentKey)}`}>
                      {env.environmentKey}
                    </Link>
                    : {env.status}, {env.recentEvaluations.toLocaleString('en')} recent evaluations
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** /stale-flags: temporary flags ready to be removed from code, and archived flags code still evaluates. */
export function StalePage() {
  const id = useId();
  const [report, setReport] = useState<StaleFlags | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    staleFlags().then(
      (answer) => live && setReport(answer),
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, []);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Stale flags</h1>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!report ? (
        !error && <p role="status">Loading the report…</p>
      ) : (
        <>
          <p className="hint">
            Temporary flags whose removal from code would change nothing: in every environment launched with the same variation for{' '}
            {report.staleAfterDays} days, not evaluated for {report.staleAfterDays} days, or never evaluated. Generated{' '}
            <time dateTime={report.generatedAt}>{new Date(report.generatedAt).toLocaleString()}</time>.
          </p>
          <h2>Ready to remove</h2>
          {report.ready.length === 0 ? (
            <p className="empty">No temporary flag is ready to be removed.</p>
          ) : (
            <StaleTable caption="Flags ready to remove" entries={report.ready} />
          )}
          <h2>Archived but still evaluated</h2>
          {report.archivedButEvaluated.length === 0 ? (
            <p className="empty">No archived flag is still evaluated.</p>
          ) : (
            <StaleTable caption="Archived flags still evaluated" entries={report.archivedButEvaluated} />
          )}
        </>
      )}
    </section>
  );
}
