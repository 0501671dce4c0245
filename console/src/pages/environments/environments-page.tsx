import { useId, useState } from 'react';
import { mayEverywhere, mayIn } from '../../api/permissions.ts';
import type { Environment } from '../../api/types.ts';
import { useEnvironments } from '../../api/use-environments.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { isProduction } from '../../components/production.ts';
import { useSession } from '../../layout/session-context.ts';
import { EnvironmentDialog } from './environment-dialog.tsx';
import { deleteEnvironment } from './environments-api.ts';

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

export function EnvironmentsPage() {
  const id = useId();
  const session = useSession();
  const environments = useEnvironments();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<Environment | null>(null);
  const [deleting, setDeleting] = useState<Environment | null>(null);
  const [message, setMessage] = useState('');
  const canCreate = mayEverywhere(session, 'admin');
  const done = (text: string) => {
    setMessage(text);
    environments.reload();
  };

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Environments</h1>
        {canCreate && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New environment
          </button>
        )}
      </div>
      {!canCreate && <p className="hint">Creating environments needs the admin role in every environment.</p>}
      <p className="notice" role="status">
        {message}
      </p>
      {environments.error && (
        <p className="error" role="alert">
          {environments.error}
        </p>
      )}
      {!environments.items ? (
        !environments.error && <p role="status">Loading environments…</p>
      ) : environments.items.length === 0 ? (
        <p className="empty">No environments yet.</p>
      ) : (
        <table className="data-table">
          <caption className="visually-hidden">Environments, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Version</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {environments.items.map((env) => {
              const canChange = mayIn(session, env.key, 'admin');
              return (
                <tr key={env.key}>
                  <th scope="row">
                    <span className="item-name">
                      {env.name}
                      {isProduction(env) && <span className="badge production">Production</span>}
                    </span>
                    <code className="item-key">{env.key}</code>
                  </th>
                  <td data-label="Version">{env.version}</td>
                  <td data-label="Created">
                    <time dateTime={env.createdAt}>{when.format(new Date(env.createdAt))}</time>
                  </td>
                  <td data-label="Actions" className="actions">
                    {canChange ? (
                      <>
                        <button
                          type="button"
                          className="button secondary"
                          onClick={() => setRenaming(env)}
                          aria-label={`Rename ${env.name}`}
                        >
                          Rename
                        </button>
                        <button type="button" className="button danger" onClick={() => setDeleting(env)} aria-label={`Delete ${env.name}`}>
                          Delete
                        </button>
                      </>
                    ) : (
                      <span className="muted">Admins only</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {creating && (
        <EnvironmentDialog
          onCancel={() => setCreating(false)}
          onDone={(env) => {
            setCreating(false);
            done(`Created ${env.name} (${env.key}): every flag is off there.`);
          }}
        />
      )}
      {renaming && (
        <EnvironmentDialog
          editing={renaming}
          onCancel={() => setRenaming(null)}
          onDone={(env) => {
            setRenaming(null);
            done(`Renamed ${env.key} to ${env.name}.`);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel={`Delete ${deleting.name}`}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await deleteEnvironment(deleting.key);
            setDeleting(null);
            done(`Deleted ${deleting.name}.`);
          }}
        >
          {isProduction(deleting) && (
            <p className="error">
              <strong>{deleting.name} is a production environment.</strong>
            </p>
          )}
          <p>
            Its flag configurations, segments and SDK keys are deleted with it, and applications using its keys are cut off at once. The
            flags themselves stay. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
