import type { ReactNode } from 'react';
import type { Session } from '../api/session.ts';
import { ProductionMarker } from '../components/production-marker.tsx';
import { Link, usePath } from '../router/router.tsx';
import { SessionContext } from './session-context.ts';

/** The pages in the navigation; later pages (segments, audit, tokens, ...) add a line here. */
const NAV = [
  { to: '/flags', label: 'Flags' },
  { to: '/releases', label: 'Releases' },
  { to: '/stale-flags', label: 'Stale flags' },
  { to: '/segments', label: 'Segments' },
  { to: '/environments', label: 'Environments' },
  { to: '/tokens', label: 'Tokens' },
  { to: '/audit', label: 'Audit log' },
];

export function Layout({
  session,
  onSignOut,
  environmentKey = null,
  children,
}: {
  session: Session;
  onSignOut: () => void;
  /** The environment the page shows (its path's `:env`), if any: production is marked. */
  environmentKey?: string | null;
  children: ReactNode;
}) {
  const path = usePath();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Switchyard</span>
        <nav aria-label="Main">
          <ul className="nav-list">
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={path === item.to || path.startsWith(`${item.to}/`) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="account-name" title={`Role: ${session.role}`}>
            {session.name}
          </span>
          <button type="button" className="button secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <ProductionMarker environmentKey={environmentKey} />
      <main id="main" tabIndex={-1}>
        <SessionContext value={session}>{children}</SessionContext>
      </main>
    </>
  );
}
