import {
  createRootRoute,
  createRoute,
  createRouter,
  Link,
  lazyRouteComponent,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { AuthForm } from './auth/auth-form';
import { session } from './auth/session';
import { CatalogPage } from './connect/catalog-page';
import { ConnectedPage, type ConnectedSearch } from './connect/connected-page';
import { FlowPage, type FlowSearch } from './connect/flow-page';
import { ConsentsPage } from './consents/consents-page';
import { parseInsightsSearch } from './insights/search';
import { PayPage } from './payments/pay-page';
import { PaymentPage, PaymentsPage } from './payments/payments-page';
import { parseTransactionSearch } from './transactions/filters';
import { TransactionsPage } from './transactions/transactions-page';
import { AppLayout, useTitle } from './ui/layout';
import { Empty } from './ui/states';

/**
 * The app's routes, declared in code (TanStack Router): typed paths, params and search params,
 * and a guard on the signed-in part. Search params are parsed here, once, for each page.
 */
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
type RedirectSearch = { redirect?: string };
const redirectSearch = (raw: Record<string, unknown>): RedirectSearch => ({ redirect: text(raw.redirect) });

const root = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

/** Signed-in users have nothing to do on the sign-in pages. */
const guest = () => {
  if (session.token() && !session.isExpired()) throw redirect({ to: '/accounts' });
};

const signIn = createRoute({
  getParentRoute: () => root,
  path: '/sign-in',
  validateSearch: redirectSearch,
  beforeLoad: guest,
  component: function SignIn() {
    useTitle('Sign in');
    return <AuthForm mode="sign-in" redirect={signIn.useSearch().redirect} />;
  },
});

const signUp = createRoute({
  getParentRoute: () => root,
  path: '/sign-up',
  validateSearch: redirectSearch,
  beforeLoad: guest,
  component: function SignUp() {
    useTitle('Create your account');
    return <AuthForm mode="sign-up" redirect={signUp.useSearch().redirect} />;
  },
});

/** Everything below needs a session; an expired one goes back to sign-in with a message. */
const app = createRoute({
  getParentRoute: () => root,
  id: 'app',
  beforeLoad: ({ location }) => {
    if (session.isExpired()) session.expire();
    if (!session.token()) throw redirect({ to: '/sign-in', search: { redirect: location.href } });
  },
  component: AppLayout,
});

const home = createRoute({
  getParentRoute: () => app,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/accounts' });
  },
});

const accounts = createRoute({
  getParentRoute: () => app,
  path: '/accounts',
  validateSearch: (raw: Record<string, unknown>): { account?: string } => ({ account: text(raw.account) }),
  // The chart pages load Recharts with them, on first visit, not with the app.
  component: lazyRouteComponent(() => import('./accounts/accounts-page'), 'AccountsPage'),
});

const transactions = createRoute({
  getParentRoute: () => app,
  path: '/transactions',
  validateSearch: parseTransactionSearch,
  component: function Transactions() {
    return <TransactionsPage search={transactions.useSearch()} />;
  },
});

const insights = createRoute({
  getParentRoute: () => app,
  path: '/insights',
  validateSearch: parseInsightsSearch,
  component: lazyRouteComponent(() => import('./insights/insights-page'), 'InsightsPage'),
});

const consents = createRoute({ getParentRoute: () => app, path: '/consents', component: ConsentsPage });

const connect = createRoute({ getParentRoute: () => app, path: '/connect', component: CatalogPage });

const flow = createRoute({
  getParentRoute: () => app,
  path: '/connect/$sessionId',
  validateSearch: (raw: Record<string, unknown>): FlowSearch => ({
    bank: text(raw.bank),
    reason: text(raw.reason),
  }),
  component: function Flow() {
    return <FlowPage sessionId={flow.useParams().sessionId} search={flow.useSearch()} />;
  },
});

const pay = createRoute({
  getParentRoute: () => app,
  path: '/pay',
  validateSearch: (raw: Record<string, unknown>): { skill?: string } => ({ skill: text(raw.skill) }),
  component: function Pay() {
    return <PayPage skillId={pay.useSearch().skill} />;
  },
});

const payments = createRoute({ getParentRoute: () => app, path: '/payments', component: PaymentsPage });

const payment = createRoute({
  getParentRoute: () => app,
  path: '/payments/$paymentId',
  component: function Payment() {
    return <PaymentPage paymentId={payment.useParams().paymentId} />;
  },
});

/** PUBLIC_APP_URL: where the bank sends the browser back (through the api's callback). */
const connected = createRoute({
  getParentRoute: () => app,
  path: '/connected',
  validateSearch: (raw: Record<string, unknown>): ConnectedSearch => ({
    session: text(raw.session),
    status: text(raw.status),
    reason: text(raw.reason),
    payment: text(raw.payment),
  }),
  component: function Connected() {
    return <ConnectedPage search={connected.useSearch()} />;
  },
});

function NotFound() {
  useTitle('Not found');
  return (
    <main id="main" className="auth">
      <Empty title="This page does not exist.">
        <Link to="/accounts">Go to your accounts</Link>
      </Empty>
    </main>
  );
}

const routeTree = root.addChildren([
  signIn,
  signUp,
  app.addChildren([
    home,
    accounts,
    transactions,
    insights,
    consents,
    connect,
    flow,
    connected,
    pay,
    payments,
    payment,
  ]),
]);

export function createAppRouter() {
  return createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
