import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import type { RouterOutputs } from '@tenant/client';
import { useTenant } from '@tenant/client/react-query';
import { formatMoney } from '../ui/format';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading } from '../ui/states';
import { BalanceChart, balanceLabel } from './balance-chart';

type Account = RouterOutputs['accounts']['list'][number];

const route = getRouteApi('/app/accounts');

/** Accounts with their current balances; the chosen one's balance history as a chart. */
export function AccountsPage() {
  const selected = route.useSearch().account;
  useTitle('Accounts');
  const tenant = useTenant();
  const accounts = useQuery(tenant.accounts.list.queryOptions());
  const chosen = accounts.data?.find((a) => a.id === selected) ?? accounts.data?.[0];

  return (
    <>
      <h1>Accounts</h1>
      {accounts.isPending ? (
        <Loading what="accounts" />
      ) : accounts.isError ? (
        <ErrorState error={accounts.error} retry={() => void accounts.refetch()} />
      ) : accounts.data.length === 0 ? (
        <Empty title="No accounts yet.">
          <p>
            <Link to="/connect">Connect a bank</Link> to see your accounts here. A newly connected bank’s
            accounts appear as soon as its first sync is done.
          </p>
        </Empty>
      ) : (
        <div className="accounts-layout">
          <ul className="accounts" aria-label="Your accounts">
            {accounts.data.map((account) => (
              <AccountCard key={account.id} account={account} current={account.id === chosen?.id} />
            ))}
          </ul>
          {chosen ? <BalanceHistory account={chosen} /> : null}
        </div>
      )}
    </>
  );
}

function mainBalance(account: Account) {
  const byType = (type: string) => account.balances.find((b) => b.type.toLowerCase() === type.toLowerCase());
  return (
    byType('interimAvailable') ?? byType('interimBooked') ?? byType('closingBooked') ?? account.balances[0]
  );
}

function AccountCard({ account, current }: { account: Account; current: boolean }) {
  const main = mainBalance(account);
  const title = account.nickname ?? account.name ?? account.iban ?? 'Account';
  return (
    <li className={`card account${current ? ' current' : ''}`}>
      <Link
        to="/accounts"
        search={{ account: account.id }}
        aria-current={current ? 'true' : undefined}
        className="account-link"
      >
        <span className="account-name">{title}</span>
        <span className="muted">
          {account.servicerName} · {account.iban ?? account.currency}
        </span>
        {main ? (
          <span className="balance">
            <span className="visually-hidden">{balanceLabel(main.type)} balance: </span>
            {formatMoney(main.amount, main.currency)}
          </span>
        ) : (
          <span className="muted">No balance yet</span>
        )}
      </Link>
      {account.balances.length > 1 ? (
        <dl className="facts small">
          {account.balances
            .filter((b) => b !== main)
            .map((b) => (
              <div key={b.type}>
                <dt>{balanceLabel(b.type)}</dt>
                <dd>{formatMoney(b.amount, b.currency)}</dd>
              </div>
            ))}
        </dl>
      ) : null}
      <Link to="/transactions" search={{ account: account.id }} className="small-link">
        Transactions of {title}
      </Link>
    </li>
  );
}

function BalanceHistory({ account }: { account: Account }) {
  const tenant = useTenant();
  const history = useQuery(tenant.balances.history.queryOptions({ accountId: account.id }));
  const title = account.nickname ?? account.name ?? account.iban ?? 'this account';
  return (
    <section className="card chart-card" aria-labelledby="balance-history">
      <h2 id="balance-history">Balance history of {title}</h2>
      {history.isPending ? (
        <Loading what="balance history" />
      ) : history.isError ? (
        <ErrorState error={history.error} retry={() => void history.refetch()} />
      ) : history.data.length === 0 ? (
        <Empty title="No balances stored yet: the history grows with every sync." />
      ) : (
        <BalanceChart history={history.data} currency={account.currency} />
      )}
    </section>
  );
}
