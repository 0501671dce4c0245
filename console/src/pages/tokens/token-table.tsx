import type { Token } from './tokens-api.ts';

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const KIND_NAMES = { admin: 'person', server: 'server key', client: 'client key' } as const;

function Roles({ token }: { token: Token }) {
  if (token.kind !== 'admin') return <span className="muted">–</span>;
  const overrides = Object.entries(token.environmentRoles ?? {});
  return (
    <>
      {token.role}
      {overrides.length > 0 && (
        <ul className="env-roles">
          {overrides.map(([env, role]) => (
            <li key={env}>
              {role} in <code>{env}</code>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function TokenTable({
  tokens,
  onEditRoles,
  onRevoke,
}: {
  tokens: Token[];
  onEditRoles: (token: Token) => void;
  onRevoke: (token: Token) => void;
}) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">Active tokens, oldest first</caption>
      <thead>
        <tr>
          <th scope="col">Token</th>
          <th scope="col">Kind</th>
          <th scope="col">Role</th>
          <th scope="col">Environment</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <tr key={token.id}>
            <th scope="row">
              <span className="item-name">{token.name}</span>
              <code className="item-key">{token.prefix}…</code>
            </th>
            <td data-label="Kind">{KIND_NAMES[token.kind]}</td>
            <td data-label="Role">
              <Roles token={token} />
            </td>
            <td data-label="Environment">{token.environment ? <code>{token.environment}</code> : <span className="muted">all</span>}</td>
            <td data-label="Created">
              <time dateTime={token.createdAt}>{when.format(new Date(token.createdAt))}</time>
            </td>
            <td data-label="Last used">
              {token.lastUsedAt ? (
                <time dateTime={token.lastUsedAt}>{when.format(new Date(token.lastUsedAt))}</time>
              ) : (
                <span className="muted">never</span>
              )}
            </td>
            <td data-label="Actions" className="actions">
              {token.kind === 'admin' && (
                <button
                  type="button"
                  className="button secondary"
                  onClick={() => onEditRoles(token)}
                  aria-label={`Change roles of ${token.name}`}
                >
                  Roles
                </button>
              )}
              <button type="button" className="button danger" onClick={() => onRevoke(token)} aria-label={`Revoke ${token.name}`}>
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
