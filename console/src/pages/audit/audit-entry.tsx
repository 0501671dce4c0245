import { useId, useState } from 'react';
import type { AuditEvent } from './audit-api.ts';
import { AuditDiff } from './audit-diff.tsx';

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });

/** One change: who, what, on what, when; its before/after diff opens on demand. */
export function AuditEntry({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const diffId = useId();
  return (
    <li className="audit-entry">
      <div className="audit-summary">
        <p className="audit-what">
          <span className="audit-actor">{event.actor}</span> <code className="audit-action">{event.action}</code>{' '}
          <span className="audit-resource">
            {event.resourceType} <code>{event.resourceKey}</code>
          </span>
          {event.environmentKey && (
            <span className="audit-env">
              {' '}
              in <code>{event.environmentKey}</code>
            </span>
          )}
        </p>
        <time className="audit-time" dateTime={event.createdAt}>
          {when.format(new Date(event.createdAt))}
        </time>
        <button
          type="button"
          className="button secondary"
          aria-expanded={open}
          aria-controls={open ? diffId : undefined}
          aria-label={`${open ? 'Hide' : 'Show'} changes of ${event.action} ${event.resourceKey}`}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide changes' : 'Show changes'}
        </button>
      </div>
      {open && <AuditDiff id={diffId} before={event.before} after={event.after} />}
    </li>
  );
}
