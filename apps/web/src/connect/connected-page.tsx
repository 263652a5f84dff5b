import { Link, Navigate } from '@tanstack/react-router';
import { Empty } from '../ui/states';

export type ConnectedSearch = { session?: string; status?: string; reason?: string; payment?: string };

/**
 * Where the bank sends the browser back (PUBLIC_APP_URL, through the api's callback, which has
 * already completed or failed the session): on to that session's page, which tells the outcome.
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
