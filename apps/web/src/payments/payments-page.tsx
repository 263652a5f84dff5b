import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTenant } from '@tenant/client/react-query';
import { formatDateTime, formatMoney } from '../ui/format';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading } from '../ui/states';
import { isFinal, reasonText, StatusBadge } from './payment-status';

/** The user's payments, newest first (keyset pages), each with where it stands. */
export function PaymentsPage() {
  useTitle('Payments');
  const tenant = useTenant();
  const pages = useInfiniteQuery(
    tenant.payments.list.infiniteQueryOptions(
      { limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const payments = pages.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Payments</h1>
        <Link to="/connect" className="button primary">
          Pay
        </Link>
      </div>
      {pages.isPending ? (
        <Loading what="payments" />
      ) : pages.isError ? (
        <ErrorState error={pages.error} retry={() => void pages.refetch()} />
      ) : payments.length === 0 ? (
        <Empty title="No payments yet.">
          <Link to="/connect">Choose a bank to pay from</Link>
        </Empty>
      ) : (
        <ul className="consents">
          {payments.map((payment) => (
            <li key={payment.id} className="card consent">
              <div className="consent-head">
                <h2>
                  <Link to="/payments/$paymentId" params={{ paymentId: payment.id }}>
                    {formatMoney(payment.amount, payment.currency)} to {payment.creditor.name}
                  </Link>
                </h2>
                <StatusBadge status={payment.status} />
              </div>
              <p className="muted">
                {payment.skill.servicerName} · {formatDateTime(payment.createdAt)}
              </p>
            </li>
          ))}
        </ul>
      )}
      {pages.hasNextPage ? (
        <button type="button" className="button secondary" onClick={() => void pages.fetchNextPage()}>
          More payments
        </button>
      ) : null}
    </>
  );
}

/** One payment: its status, refreshed every few seconds until final, and its history. */
export function PaymentPage({ paymentId }: { paymentId: string }) {
  useTitle('Payment');
  const tenant = useTenant();
  const payment = useQuery({
    ...tenant.payments.get.queryOptions({ paymentId }),
    refetchInterval: (query) => (query.state.data && isFinal(query.state.data.status) ? false : 3_000),
  });
  if (payment.isPending) return <Loading what="the payment" />;
  if (payment.isError) return <ErrorState error={payment.error} retry={() => void payment.refetch()} />;
  const p = payment.data;
  return (
    <>
      <div className="page-head">
        <h1>
          {formatMoney(p.amount, p.currency)} to {p.creditor.name}
        </h1>
        <StatusBadge status={p.status} />
      </div>
      {reasonText(p.statusReason) ? <p className="lead">{reasonText(p.statusReason)}</p> : null}
      {p.redirectUrl ? (
        <p>
          <a className="button primary" href={p.redirectUrl}>
            Approve at {p.skill.servicerName}
          </a>
        </p>
      ) : null}
      <dl className="facts">
        <dt>From</dt>
        <dd>{p.debtor.iban}</dd>
        <dt>To</dt>
        <dd>
          {p.creditor.name}, {p.creditor.iban}
        </dd>
        {p.remittance ? (
          <>
            <dt>Reference</dt>
            <dd>{p.remittance}</dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{formatDateTime(p.createdAt)}</dd>
      </dl>
      <h2>History</h2>
      {p.events.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol>
          {p.events.map((event) => (
            <li key={`${event.status}-${event.at.toISOString()}`}>
              <StatusBadge status={event.status} /> {formatDateTime(event.at)}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
