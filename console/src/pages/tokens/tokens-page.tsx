import { useId, useState } from 'react';
import { mayEverywhere } from '../../api/permissions.ts';
import { useEnvironments } from '../../api/use-environments.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { useSession } from '../../layout/session-context.ts';
import { CreateTokenDialog } from './create-token-dialog.tsx';
import { RolesDialog } from './roles-dialog.tsx';
import { SecretDialog } from './secret-dialog.tsx';
import { TokenTable } from './token-table.tsx';
import { type CreatedToken, revokeToken, type Token } from './tokens-api.ts';
import { useTokens } from './use-tokens.ts';

/** Tokens: people (with roles) and SDK keys. Only admins of every environment may manage them, as the API says. */
export function TokensPage() {
  const id = useId();
  const session = useSession();
  const isAdmin = mayEverywhere(session, 'admin');
  const tokens = useTokens(isAdmin);
  const environments = useEnvironments();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [editing, setEditing] = useState<Token | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [message, setMessage] = useState('');

  const done = (text: string) => {
    setMessage(text);
    tokens.reload();
  };

  if (!isAdmin) {
    return (
      <section className="page" aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>Tokens</h1>
        <p className="admins-only" role="note">
          <strong>Admins only.</strong> Tokens decide who gets in and what they may do, so only a person who is an admin in every
          environment can see and manage them. You are signed in as {session.name} ({session.role}). Ask an admin for a new token or a
          different role.
        </p>
      </section>
    );
  }

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Tokens</h1>
        <button type="button" className="button primary" disabled={!environments.items} onClick={() => setCreating(true)}>
          New token
        </button>
      </div>
      <p className="notice" role="status">
        {message}
      </p>
      {(tokens.error ?? environments.error) && (
        <p className="error" role="alert">
          {tokens.error ?? environments.error}
        </p>
      )}
      {!tokens.items ? (
        !tokens.error && <p role="status">Loading tokens…</p>
      ) : (
        <TokenTable tokens={tokens.items} onEditRoles={setEditing} onRevoke={setRevoking} />
      )}

      {creating && environments.items && (
        <CreateTokenDialog
          environments={environments.items}
          onCancel={() => setCreating(false)}
          onCreated={(token) => {
            setCreating(false);
            setCreated(token);
            done(`Created ${token.name}.`);
          }}
        />
      )}
      {created && <SecretDialog token={created} onClose={() => setCreated(null)} />}
      {editing && environments.items && (
        <RolesDialog
          token={editing}
          environments={environments.items}
          onCancel={() => setEditing(null)}
          onSaved={(token) => {
            setEditing(null);
            done(
              `${token.name} is now ${token.role}${Object.keys(token.environmentRoles ?? {}).length > 0 ? ', with roles per environment' : ''}.`,
            );
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke token"
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            await revokeToken(revoking.id);
            setRevoking(null);
            done(`Revoked ${revoking.name}.`);
          }}
        >
          <p>
            {revoking.kind === 'admin'
              ? `${revoking.name} is refused from their next request, and their console sessions end.`
              : `Applications using this key are refused at once and their streams close.`}{' '}
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
