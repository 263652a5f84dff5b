import { Link, Navigate } from '@tanstack/react-router';
import { Empty } from '../ui/states';

export type ConnectedSearch = { session?: string; status?: string; reason?: string; payment?: string };

/**
 * Where the bank sends the browser back (PUBLIC_APP_URL, through the api's callback, which only
 * recorded the bank's answer): on to that session's or payment's page, whose query — the signed-in
 * owner's own call — finishes the connection or the payment's authorisation and tells the outcome.
 */
export function ConnectedPage({ search }: { search: ConnectedSearch }) {
  // A payment's bank session comes back here too: its page tells the outcome.
  if (search.payment) {
    return <Navigate to="/payments/$paymentId" params={{ paymentId: search.payment }} replace />;
  }
  if (!search.session) {
    return (
      <Empty title="This link does not belong to a bank connection.">
        <Link to="/connect">Connect a bank</Link>
      </Empty>
    );
  }
  return (
    <Navigate
      to="/connect/$sessionId"
      params={{ sessionId: search.session }}
      search={search.status === 'failed' && search.reason ? { reason: search.reason } : {}}
      replace
    />
  );
}
