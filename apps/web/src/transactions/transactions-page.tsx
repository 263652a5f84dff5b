import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { RouterInputs } from '@tenant/client';
import { useTenant } from '@tenant/client/react-query';
import { useEffect, useRef } from 'react';
import { errorCode, fieldIssues } from '../api/errors';
import { formatDate, formatMoney, isNegative } from '../ui/format';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading } from '../ui/states';
import { Filters, type TransactionSearch } from './filters';

const PAGE_SIZE = 50;

/** The page's URL search → the api's filter (dates are whole UTC days; "to" includes its day). */
function toInput(search: TransactionSearch): Omit<RouterInputs['transactions']['list'], 'cursor'> {
  const day = (value: string, plusDays = 0) => {
    const date = new Date(`${value}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() + plusDays);
    return date;
  };
  return {
    limit: PAGE_SIZE,
    ...(search.account ? { accountId: search.account } : {}),
    ...(search.from ? { from: day(search.from) } : {}),
    ...(search.to ? { to: day(search.to, 1) } : {}),
    ...(search.status ? { status: search.status } : {}),
    ...(search.min ? { minAmount: search.min } : {}),
    ...(search.max ? { maxAmount: search.max } : {}),
    ...(search.q ? { search: search.q } : {}),
  };
}

/**
 * Every transaction, newest first, one keyset page at a time: the next page loads when the end of
 * the list scrolls into view (or from the button, for keyboards). Filters live in the URL, so a
 * filtered list can be bookmarked and survives a reload.
 */
export function TransactionsPage({ search }: { search: TransactionSearch }) {
  useTitle('Transactions');
  const tenant = useTenant();
  const navigate = useNavigate();
  const accounts = useQuery(tenant.accounts.list.queryOptions());
  const pages = useInfiniteQuery(
    tenant.transactions.list.infiniteQueryOptions(toInput(search), {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
  );
  const rows = pages.data?.pages.flatMap((page) => page.items) ?? [];
  const issues = pages.error && errorCode(pages.error) === 'BAD_REQUEST' ? fieldIssues(pages.error) : {};

  const end = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || !hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <>
      <h1>Transactions</h1>
      <Filters
        search={search}
        accounts={accounts.data ?? []}
        issues={issues}
        onApply={(next) => void navigate({ to: '/transactions', search: next })}
      />
      {pages.isPending ? (
        <Loading what="transactions" />
      ) : pages.isError && Object.keys(issues).length > 0 ? null : pages.isError ? (
        <ErrorState error={pages.error} retry={() => void pages.refetch()} />
      ) : rows.length === 0 ? (
        <Empty
          title={
            Object.keys(search).length > 0 ? 'No transaction matches these filters.' : 'No transactions yet.'
          }
        />
      ) : (
        <>
          <p className="muted" role="status">
            {rows.length} transactions shown{hasNextPage ? ', more below' : ''}
          </p>
          <table className="transactions">
            <caption className="visually-hidden">Transactions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                <th scope="col">Status</th>
                <th scope="col" className="amount">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid="transaction">
                  <td>{formatDate(row.bookingDate)}</td>
                  <td>
                    <span className="counterparty">{row.counterparty ?? row.description ?? '—'}</span>
                    {row.description && row.counterparty ? (
                      <span className="muted small">{row.description}</span>
                    ) : null}
                  </td>
                  <td>
                    <span className={`badge ${row.status === 'pending' ? 'warn' : 'muted'}`}>
                      {row.status === 'pending' ? 'Pending' : 'Booked'}
                    </span>
                  </td>
                  <td className={`amount ${isNegative(row.amount) ? 'debit' : 'credit'}`}>
                    {formatMoney(row.amount, row.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div ref={end} className="list-end">
            {hasNextPage ? (
              <button
                type="button"
                className="button secondary"
                onClick={() => void fetchNextPage()}
                disabled={isFetchingNextPage}
              >
                {isFetchingNextPage ? 'Loading more…' : 'Load more'}
              </button>
            ) : (
              <p className="muted">That is all.</p>
            )}
          </div>
        </>
      )}
    </>
  );
}
