import { useEffect, useId, useMemo, useState } from 'react';
import { mayIn } from '../../api/permissions.ts';
import { useEnvironments } from '../../api/use-environments.ts';
import { useSession } from '../../layout/session-context.ts';
import { Link, navigate } from '../../router/router.tsx';
import { CreateSegmentDialog } from './create-segment-dialog.tsx';
import { EnvironmentSwitcher } from './environment-switcher.tsx';
import { useSegments } from './use-segments.ts';

const segmentPath = (env: string, key: string) => `/segments/${encodeURIComponent(env)}/${encodeURIComponent(key)}`;

/** `/segments` opens the first environment's segments; `/segments/:env` lists that environment's. */
export function SegmentsPage({ envKey }: { envKey: string | null }) {
  const environments = useEnvironments();
  const first = environments.items?.[0]?.key;
  useEffect(() => {
    if (envKey === null && first) navigate(`/segments/${encodeURIComponent(first)}`, { replace: true });
  }, [envKey, first]);

  if (environments.error) {
    return (
      <p className="error" role="alert">
        {environments.error}
      </p>
    );
  }
  if (!environments.items) return <p role="status">Loading environments…</p>;
  if (envKey === null && !first) return <p className="empty">There is no environment yet: create one on the Environments page.</p>;
  if (envKey === null) return null;
  const environment = environments.items.find((env) => env.key === envKey);
  if (!environment) {
    return (
      <section className="page">
        <h1>Segments</h1>
        <p className="error" role="alert">
          There is no environment “{envKey}”.
        </p>
      </section>
    );
  }
  return <SegmentList key={envKey} environment={environment} environments={environments.items} />;
}

function SegmentList({
  environment,
  environments,
}: {
  environment: { key: string; name: string };
  environments: { key: string; name: string }[];
}) {
  const id = useId();
  const session = useSession();
  const canEdit = mayIn(session, environment.key, 'editor');
  const segments = useSegments(environment.key);
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);

  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    if (!segments.items || !q) return segments.items;
    return segments.items.filter((s) => [s.key, s.name, s.description].some((text) => text.toLowerCase().includes(q)));
  }, [segments.items, search]);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Segments in {environment.name}</h1>
        {canEdit && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New segment
          </button>
        )}
      </div>
      <EnvironmentSwitcher environments={environments} current={environment.key} pathOf={(env) => `/segments/${encodeURIComponent(env)}`} />
      {!canEdit && <p className="hint">You can read the segments of {environment.name}; changing them needs the editor role there.</p>}

      <search className="filters">
        <div className="field">
          <label htmlFor={`${id}-q`}>Search</label>
          <input
            id={`${id}-q`}
            type="search"
            value={search}
            placeholder="Key, name or description"
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
      </search>

      {segments.error && (
        <p className="error" role="alert">
          {segments.error}
        </p>
      )}
      {!shown ? (
        !segments.error && <p role="status">Loading segments…</p>
      ) : shown.length === 0 ? (
        <p className="empty">{search.trim() ? 'No segment matches this search.' : `No segments in ${environment.name} yet.`}</p>
      ) : (
        <>
          <table className="data-table">
            <caption className="visually-hidden">Segments in {environment.name}</caption>
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col">Included</th>
                <th scope="col">Excluded</th>
                <th scope="col">Rules</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((segment) => (
                <tr key={segment.key}>
                  <th scope="row">
                    <span className="item-name">{segment.name}</span>
                    <Link className="item-key" to={segmentPath(environment.key, segment.key)}>
                      <code>{segment.key}</code>
                    </Link>
                    {segment.description && <span className="hint">{segment.description}</span>}
                  </th>
                  <td data-label="Included">{segment.included.length}</td>
                  <td data-label="Excluded">{segment.excluded.length}</td>
                  <td data-label="Rules">{segment.rules.length}</td>
                  <td data-label="Version">{segment.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="pager" role="status">
            <span>
              {shown.length} of {segments.total} {segments.total === 1 ? 'segment' : 'segments'}
              {segments.items && segments.items.length < segments.total ? ` (the first ${segments.items.length} are searched)` : ''}
            </span>
          </p>
        </>
      )}

      {creating && (
        <CreateSegmentDialog
          environment={environment}
          onCancel={() => setCreating(false)}
          onCreated={(segment) => navigate(segmentPath(environment.key, segment.key))}
        />
      )}
    </section>
  );
}
