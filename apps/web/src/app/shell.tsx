import { lazy, type ReactNode, Suspense, useEffect, useRef } from 'react';
import { KeysPage } from '../keys/keys-page.js';
import { NotificationBell } from '../notifications/notification-bell.js';
import { OrgSwitcher } from '../orgs/org-switcher.js';
import { OrgsProvider } from '../orgs/orgs-context.js';
import { Loading } from '../ui/feedback.js';
import { useApp } from './app-context.js';
import { Link, usePathname } from './router.js';

// Only the keys view is in the first download; the others (and uPlot) load when opened.
const UsagePage = lazy(() => import('../usage/usage-page.js').then((m) => ({ default: m.UsagePage })));
const TokensPage = lazy(() => import('../tokens/tokens-page.js').then((m) => ({ default: m.TokensPage })));
const ActivityPage = lazy(() => import('../activity/activity-page.js').then((m) => ({ default: m.ActivityPage })));
const BudgetsPage = lazy(() => import('../budgets/budgets-page.js').then((m) => ({ default: m.BudgetsPage })));
const AboutPage = lazy(() => import('../about/about-page.js').then((m) => ({ default: m.AboutPage })));
const OrgsPage = lazy(() => import('../orgs/orgs-page.js').then((m) => ({ default: m.OrgsPage })));

// `nested`: the view also answers the paths below its own (an org's id and tab).
const VIEWS: Array<{ path: string; label: string; render: () => ReactNode; nested?: boolean }> = [
  { path: '/account/api-keys', label: 'Keys', render: () => <KeysPage /> },
  { path: '/account/usage', label: 'Usage', render: () => <UsagePage /> },
  { path: '/account/tokens', label: 'Tokens', render: () => <TokensPage /> },
  { path: '/account/activity', label: 'Activity', render: () => <ActivityPage /> },
  { path: '/account/budgets', label: 'Budgets', render: () => <BudgetsPage /> },
  { path: '/account/orgs', label: 'Organizations', render: () => <OrgsPage />, nested: true },
  { path: '/account/about', label: 'What is BYOK?', render: () => <AboutPage /> },
];

function viewFor(pathname: string) {
  const path = pathname === '/' || pathname === '/account' || pathname === '/account/' ? '/account/api-keys' : pathname.replace(/\/+$/, '');
  return VIEWS.find((v) => v.path === path || (v.nested && path.startsWith(`${v.path}/`))) ?? null;
}

/** Header, navigation and the current view. Focus moves to the view on navigation, for screen readers. */
export function Shell() {
  const { session, signOut } = useApp();
  const pathname = usePathname();
  const view = viewFor(pathname);
  const main = useRef<HTMLElement>(null);
  const shown = useRef(pathname);

  useEffect(() => {
    // Not on the first render: focus would skip the header for someone who just arrived.
    if (shown.current === pathname) return;
    shown.current = pathname;
    main.current?.focus();
  }, [pathname]);

  return (
    <OrgsProvider>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">BYOK Gateway</div>
        <nav aria-label="Main">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.path}>
                <Link href={v.path} {...(view?.path === v.path ? { 'aria-current': 'page' as const } : {})}>
                  {v.label}
                </Link>
              </li>
            ))}
            {session.admin ? (
              <li>
                <a href="/admin/queues">Jobs</a>
              </li>
            ) : null}
          </ul>
        </nav>
        <OrgSwitcher />
        <div className="who">
          <NotificationBell />
          <span className="muted small">
            Signed in as <strong data-testid="user-id">{session.userId}</strong>
          </span>
          <button type="button" className="button button-quiet" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading label="Loading…" />}>
          {view ? (
            view.render()
          ) : (
            <section>
              <h1>Page not found</h1>
              <p>
                There is nothing at {pathname}. <Link href="/account/api-keys">Go to your keys</Link>.
              </p>
            </section>
          )}
        </Suspense>
      </main>
    </OrgsProvider>
  );
}
