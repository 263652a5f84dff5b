import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTenant } from '@tenant/client/react-query';
import { useEffect, useState } from 'react';
import { describeError, errorCode, errorReason, fieldIssues } from '../api/errors';
import { useTitle } from '../ui/layout';
import { ErrorState, Loading, Notice } from '../ui/states';
import { StepRenderer } from './step-renderer';

/** Why a flow ended, in words (reasons and failures from connect.get, and from the bank's return). */
const ENDINGS: Record<string, string> = {
  access_denied: 'You declined access at your bank, so nothing was connected.',
  too_many_wrong_credentials:
    'Your bank refused the details too many times, so this connection was stopped. Please start again.',
  consent_not_attributed:
    'The bank’s answer did not belong to your account, so nothing was connected. Please start again from this browser.',
  SESSION_EXPIRED: 'This connection took too long and expired. Please start again.',
  session_ended: 'This connection had already ended. Please start again.',
};
const DEFAULT_ENDING = 'Your bank could not complete the connection. Please start again.';

export type FlowSearch = { bank?: string; reason?: string };

/**
 * One connect session, from its first step to its end. The api says where the flow stands
 * (`connect.get`), so a reload, a second tab or the return from the bank all land here. After the
 * bank, this page's `connect.get` (with the user's own token) is what completes the connection:
 * the api's callback only kept the bank's answer for this user.
 */
export function FlowPage({ sessionId, search }: { sessionId: string; search: FlowSearch }) {
  useTitle('Connect a bank');
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const flowKey = tenant.connect.get.queryKey({ sessionId });
  const flow = useQuery(tenant.connect.get.queryOptions({ sessionId }));
  const [stale, setStale] = useState<string | null>(null);
  const submit = useMutation(
    tenant.connect.submit.mutationOptions({
      onMutate: () => setStale(null),
      onSuccess: (answer) => queryClient.setQueryData(flowKey, answer),
      onError: (error) => {
        if (errorCode(error) === 'CONFLICT') {
          setStale(
            errorReason(error) === 'STEP_NOT_CURRENT'
              ? 'That step was already answered, perhaps in another tab. Here is where your connection stands now.'
              : describeError(error),
          );
          void flow.refetch();
        }
      },
    }),
  );
  const done = flow.data?.status === 'COMPLETED';
  useEffect(() => {
    if (done) void queryClient.invalidateQueries({ queryKey: tenant.consents.pathKey() });
  }, [done, queryClient, tenant]);

  const bankName = search.bank ?? 'your bank';
  const submitStep = (stepId: string) => (values: Record<string, string>) =>
    submit.mutate({ sessionId, stepId, values });
  const issues =
    submit.error && errorCode(submit.error) === 'BAD_REQUEST'
      ? fieldIssues(submit.error, 'values.')
      : undefined;

  return (
    <>
      <h1>Connect {search.bank ?? 'a bank'}</h1>
      {stale ? <Notice tone="info">{stale}</Notice> : null}
      {submit.error && !issues && errorCode(submit.error) !== 'CONFLICT' ? (
        <Notice tone="error">{describeError(submit.error)}</Notice>
      ) : null}
      {flow.isPending ? (
        <Loading what="the connection" />
      ) : flow.isError ? (
        <ErrorState error={flow.error} retry={() => void flow.refetch()} />
      ) : flow.data.status === 'IN_PROGRESS' ? (
        <StepRenderer
          key={flow.data.step.id}
          step={flow.data.step}
          bankName={bankName}
          submitting={submit.isPending}
          issues={issues}
          onSubmit={submitStep(flow.data.step.id)}
        />
      ) : flow.data.status === 'COMPLETED' ? (
        <section className="step">
          <Notice tone="success">
            <p className="state-title">Your bank is connected.</p>
            <p>
              We are fetching your accounts and transactions now; they appear as soon as the first sync is
              done.
            </p>
          </Notice>
          <p className="actions">
            <Link to="/accounts" className="button primary">
              See your accounts
            </Link>
            <Link to="/connect" className="button secondary">
              Connect another bank
            </Link>
          </p>
        </section>
      ) : (
        <section className="step">
          <Notice tone="error">
            <p>{ENDINGS[search.reason ?? flow.data.failure ?? flow.data.reason] ?? DEFAULT_ENDING}</p>
          </Notice>
          <p className="actions">
            <Link to="/connect" className="button primary">
              Start again
            </Link>
          </p>
        </section>
      )}
    </>
  );
}
