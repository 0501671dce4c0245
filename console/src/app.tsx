import { useCallback, useEffect, useState } from 'react';
import { describeError, onUnauthorized } from './api/client.ts';
import { readSession, type Session, signOut } from './api/session.ts';
import { Layout } from './layout/layout.tsx';
import { AuditPage } from './pages/audit/audit-page.tsx';
import { EnvironmentsPage } from './pages/environments/environments-page.tsx';
import { FlagConfigPage } from './pages/flag-config/flag-config-page.tsx';
import { FlagsPage } from './pages/flags/flags-page.tsx';
import { InsightsPage } from './pages/insights/insights-page.tsx';
import { StalePage } from './pages/insights/stale-page.tsx';
import { NotFoundPage } from './pages/not-found/not-found-page.tsx';
import { FlagReleasePage } from './pages/releases/flag-release-page.tsx';
import { PlanPage } from './pages/releases/plan-page.tsx';
import { ReleasesPage } from './pages/releases/releases-page.tsx';
import { SegmentPage } from './pages/segments/segment-page.tsx';
import { SegmentsPage } from './pages/segments/segments-page.tsx';
import { SignInPage } from './pages/sign-in/sign-in-page.tsx';
import { TokensPage } from './pages/tokens/tokens-page.tsx';
import { matchRoute, navigate, type Route, usePath } from './router/router.tsx';

/** Every page of the console: one folder under pages/ each; later slices add their lines here. */
const ROUTES: Route[] = [
  { path: '/flags', title: 'Flags', render: () => <FlagsPage /> },
  {
    path: '/flags/:key/:env',
    title: 'Flag',
    render: (p) => <FlagConfigPage key={`${p.key}/${p.env}`} flagKey={p.key ?? ''} envKey={p.env ?? ''} />,
  },
  { path: '/audit', title: 'Audit log', render: () => <AuditPage /> },
  { path: '/segments', title: 'Segments', render: () => <SegmentsPage envKey={null} /> },
  { path: '/segments/:env', title: 'Segments', render: (p) => <SegmentsPage key={p.env} envKey={p.env ?? ''} /> },
  {
    path: '/segments/:env/:key',
    title: 'Segment',
    render: (p) => <SegmentPage key={`${p.env}/${p.key}`} envKey={p.env ?? ''} segmentKey={p.key ?? ''} />,
  },
  { path: '/environments', title: 'Environments', render: () => <EnvironmentsPage /> },
  { path: '/tokens', title: 'Tokens', render: () => <TokensPage /> },
  { path: '/releases', title: 'Releases', render: () => <ReleasesPage /> },
  { path: '/releases/:id', title: 'Release plan', render: (p) => <PlanPage key={p.id} planId={p.id ?? ''} /> },
  {
    path: '/flags/:key/:env/release',
    title: 'Releases and schedules',
    render: (p) => <FlagReleasePage key={`${p.key}/${p.env}`} flagKey={p.key ?? ''} envKey={p.env ?? ''} />,
  },
  { path: '/insights/:key', title: 'Evaluations', render: (p) => <InsightsPage key={p.key} flagKey={p.key ?? ''} /> },
  { path: '/stale-flags', title: 'Stale flags', render: () => <StalePage /> },
];

type SessionState = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; session: Session | null };

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'loading' });
  const path = usePath();

  const load = useCallback(() => {
    readSession().then(
      (current) => setSession({ state: 'ready', session: current }),
      (error: unknown) => setSession({ state: 'failed', message: describeError(error) }),
    );
  }, []);

  useEffect(() => {
    load();
    onUnauthorized(() => setSession({ state: 'ready', session: null }));
    return () => onUnauthorized(null);
  }, [load]);

  useEffect(() => {
    if (path === '/') navigate('/flags', { replace: true });
  }, [path]);

  const match = matchRoute(ROUTES, path);
  const signedIn = session.state === 'ready' && session.session !== null;
  useEffect(() => {
    document.title = signedIn ? `${match?.route.title ?? 'Not found'} · Switchyard` : 'Sign in · Switchyard';
  }, [signedIn, match?.route.title]);

  if (session.state === 'loading') {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (session.state === 'failed') {
    return (
      <main id="main" className="sign-in">
        <div className="sign-in-card">
          <h1>Switchyard is not answering</h1>
          <p className="error" role="alert">
            {session.message}
          </p>
          <button type="button" className="button primary" onClick={load}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (!session.session) return <SignInPage onSignedIn={(s) => setSession({ state: 'ready', session: s })} />;

  const leave = () => {
    signOut().finally(() => setSession({ state: 'ready', session: null }));
  };
  return (
    <Layout session={session.session} onSignOut={leave} environmentKey={match?.params.env ?? null}>
      {match ? match.route.render(match.params) : <NotFoundPage />}
    </Layout>
  );
}
