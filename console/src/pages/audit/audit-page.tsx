import { useEffect, useId, useState } from 'react';
import { listEnvironments } from '../../api/flags.ts';
import type { Environment } from '../../api/types.ts';
import { AuditEntry } from './audit-entry.tsx';
import { useAuditLog } from './use-audit-log.ts';

const PAGE_SIZE = 50;
/** Typing pauses this long before the server is asked (one request per pause, not per key). */
const FILTER_DELAY_MS = 250;

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** A filter the server takes: trimmed, and left out when empty. */
const filter = (text: string) => text.trim() || undefined;

export function AuditPage() {
  const id = useId();
  const [flagText, setFlagText] = useState('');
  const [actorText, setActorText] = useState('');
  const [actionText, setActionText] = useState('');
  const [environment, setEnvironment] = useState('');
  const [environments, setEnvironments] = useState<Environment[]>([]);
  const flag = filter(useDebounced(flagText, FILTER_DELAY_MS));
  const actor = filter(useDebounced(actorText, FILTER_DELAY_MS));
  const action = filter(useDebounced(actionText, FILTER_DELAY_MS));

  useEffect(() => {
    let live = true;
    // Without the list the select still offers "All environments"; the log itself shows any error.
    listEnvironments().then(
      (items) => live && setEnvironments(items),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  const log = useAuditLog({ flag, actor, action, environment: environment || undefined }, PAGE_SIZE);
  const filtered = Boolean(flag || actor || action || environment);

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Audit log</h1>
      </div>

      <search className="filters">
        <div className="field">
          <label htmlFor={`${id}-flag`}>Flag key</label>
          <input id={`${id}-flag`} value={flagText} placeholder="new-checkout" onChange={(e) => setFlagText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-env`}>Environment</label>
          <select id={`${id}-env`} value={environment} onChange={(e) => setEnvironment(e.target.value)}>
            <option value="">All environments</option>
            {environments.map((env) => (
              <option key={env.key} value={env.key}>
                {env.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-actor`}>Actor</label>
          <input id={`${id}-actor`} value={actorText} placeholder="Token name" onChange={(e) => setActorText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <input id={`${id}-action`} value={actionText} placeholder="flag.updated" onChange={(e) => setActionText(e.target.value)} />
        </div>
      </search>

      {log.error && (
        <p className="error" role="alert">
          {log.error}
        </p>
      )}

      {!log.items ? (
        !log.error && <p role="status">Loading the audit log…</p>
      ) : log.items.length === 0 ? (
        <p className="empty">{filtered ? 'No change matches these filters.' : 'No changes yet.'}</p>
      ) : (
        <>
          <ol className="audit-list" aria-label="Changes, newest first">
            {log.items.map((event) => (
              <AuditEntry key={event.id} event={event} />
            ))}
          </ol>
          <div className="pager">
            <span role="status">
              {log.items.length.toLocaleString('en')} {log.items.length === 1 ? 'change' : 'changes'} shown
              {log.hasMore ? '' : ', the oldest included'}
            </span>
            {log.hasMore && (
              <button type="button" className="button secondary" disabled={log.loadingMore} onClick={log.loadMore}>
                {log.loadingMore ? 'Loading…' : 'Load more'}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
