import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { useTenant } from '@tenant/client/react-query';
import { useEffect } from 'react';
import { session, useSession } from '../auth/session';
import { LiveSyncProvider, useRunningSyncs } from '../live/sync-events';

const NAV = [
  { to: '/accounts', label: 'Accounts' },
  { to: '/transactions', label: 'Transactions' },
  { to: '/insights', label: 'Insights' },
  { to: '/consents', label: 'Banks' },
  { to: '/payments', label: 'Payments' },
  { to: '/connect', label: 'Connect a bank' },
] as const;

/** Sets the document title (what a screen reader announces on navigation). */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Tenant`;
  }, [title]);
}

/** The frame of every signed-in page: navigation, live sync status, the page. */
export function AppLayout() {
  const current = useSession();
  // Signed out meanwhile (here or in another tab): the router's guard is re-run (App) and redirects.
  if (!current) return null;
  return (
    <LiveSyncProvider>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/accounts" className="brand">
          Tenant
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} activeOptions={{ exact: item.to === '/connect' }}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <SignOut email={current.email} />
      </header>
      <SyncBanner />
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </LiveSyncProvider>
  );
}

function SignOut({ email }: { email: string }) {
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const logout = useMutation(
    tenant.auth.logout.mutationOptions({
      onSettled: () => {
        session.signOut('You are signed out.');
        queryClient.clear();
      },
    }),
  );
  return (
    <div className="user-menu">
      <span className="email">{email}</span>
      <button
        type="button"
        className="button secondary"
        onClick={() => logout.mutate()}
        disabled={logout.isPending}
      >
        Sign out
      </button>
    </div>
  );
}

/** Which banks are syncing right now, from the live events; announced politely. */
function SyncBanner() {
  const running = useRunningSyncs();
  return (
    <div className="sync-banner" role="status" aria-live="polite">
      {running.length > 0 ? (
        <p>
          <span className="spinner" aria-hidden="true" /> Syncing{' '}
          {running.length === 1 ? 'a bank' : `${running.length} banks`}…{' '}
          {running.reduce((n, e) => n + e.inserted, 0)} new transactions so far
        </p>
      ) : null}
    </div>
  );
}
