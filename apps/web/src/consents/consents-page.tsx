import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import type { RouterOutputs } from '@tenant/client';
import { useTenant } from '@tenant/client/react-query';
import { useEffect, useState } from 'react';
import { describeError, errorCode, formatWait, retryAfterSeconds } from '../api/errors';
import { useLiveSync } from '../live/sync-events';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { formatDateTime, formatRelative } from '../ui/format';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading, Notice } from '../ui/states';

type Consent = RouterOutputs['consents']['list'][number];

const STATUS: Record<Consent['status'], { label: string; tone: string }> = {
  ACTIVE: { label: 'Active', tone: 'ok' },
  EXPIRED: { label: 'Expired', tone: 'warn' },
  REAUTH_REQUIRED: { label: 'Needs your approval again', tone: 'warn' },
  DELETED: { label: 'Revoked', tone: 'muted' },
};

const OUTCOME: Record<string, string> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  RETRYING: 'failed, retrying soon',
  REAUTH_REQUIRED: 'needs your approval again',
  RUNNING: 'in progress',
};

/** The user's bank connections (consents): status, expiry, syncs, and what can be done. */
export function ConsentsPage() {
  useTitle('Banks');
  const tenant = useTenant();
  const consents = useQuery(tenant.consents.list.queryOptions());
  return (
    <>
      <div className="page-head">
        <h1>Your banks</h1>
        <Link to="/connect" className="button primary">
          Connect a bank
        </Link>
      </div>
      {consents.isPending ? (
        <Loading what="your banks" />
      ) : consents.isError ? (
        <ErrorState error={consents.error} retry={() => void consents.refetch()} />
      ) : consents.data.length === 0 ? (
        <Empty title="No bank connected yet.">
          <Link to="/connect">Connect your first bank</Link>
        </Empty>
      ) : (
        <ul className="consents">
          {consents.data.map((consent) => (
            <ConsentCard key={consent.id} consent={consent} />
          ))}
        </ul>
      )}
    </>
  );
}

function ConsentCard({ consent }: { consent: Consent }) {
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const live = useLiveSync(consent.id);
  const [confirming, setConfirming] = useState(false);
  const [cooldownUntil, setCooldownUntil] = useState<number | null>(null);
  const now = useNow(cooldownUntil !== null);
  const coolingDown = cooldownUntil !== null && cooldownUntil > now;

  const invalidate = () => queryClient.invalidateQueries({ queryKey: tenant.consents.pathKey() });
  const refresh = useMutation(
    tenant.consents.refresh.mutationOptions({
      onError: (error) => {
        const wait = retryAfterSeconds(error);
        if (errorCode(error) === 'TOO_MANY_REQUESTS' && wait) setCooldownUntil(Date.now() + wait * 1000);
      },
    }),
  );
  const revoke = useMutation(
    tenant.consents.revoke.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        void invalidate();
        void queryClient.invalidateQueries({ queryKey: tenant.accounts.pathKey() });
      },
    }),
  );
  const reconnect = useMutation(
    tenant.connect.start.mutationOptions({
      onSuccess: (answer) => {
        queryClient.setQueryData(tenant.connect.get.queryKey({ sessionId: answer.sessionId }), answer);
        void navigate({
          to: '/connect/$sessionId',
          params: { sessionId: answer.sessionId },
          search: { bank: consent.servicer.name },
        });
      },
    }),
  );

  const status = STATUS[consent.status];
  const syncable = consent.status === 'ACTIVE' && consent.skill.kind === 'aisp';
  const syncing = live?.outcome === 'RUNNING';
  const headingId = `consent-${consent.id}`;

  return (
    <li className="card consent" aria-labelledby={headingId}>
      <div className="consent-head">
        <h2 id={headingId}>{consent.servicer.name}</h2>
        <span className={`badge ${status.tone}`}>{status.label}</span>
      </div>
      <p className="muted">{consent.skill.name}</p>
      <dl className="facts">
        {consent.consentExp && consent.status !== 'DELETED' ? (
          <div>
            <dt>Access</dt>
            <dd className={consent.expiresSoon ? 'warn-text' : undefined}>
              {consent.consentExp.getTime() > Date.now() ? 'expires' : 'expired'}{' '}
              {formatRelative(consent.consentExp)}
            </dd>
          </div>
        ) : null}
        {consent.revokedAt ? (
          <div>
            <dt>Revoked</dt>
            <dd>{formatDateTime(consent.revokedAt)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Last sync</dt>
          <dd data-testid="sync-status">
            {syncing ? (
              <>
                <span className="spinner" aria-hidden="true" /> Syncing now… {live.inserted} new transactions
                so far
              </>
            ) : consent.lastSync ? (
              <>
                {capitalise(OUTCOME[consent.lastSync.outcome] ?? consent.lastSync.outcome)}{' '}
                {formatRelative(
                  consent.lastSync.finishedAt ?? consent.lastSync.startedAt ?? consent.createdAt,
                )}
                {live && live.outcome === 'SUCCEEDED' ? ` · ${live.inserted} new transactions` : ''}
              </>
            ) : syncable ? (
              'Waiting for the first sync'
            ) : (
              'Nothing to sync'
            )}
          </dd>
        </div>
      </dl>
      {refresh.isSuccess && !syncing && !live ? (
        <Notice tone="info">
          {refresh.data.queued ? 'Refresh queued.' : 'A refresh is already waiting.'}
        </Notice>
      ) : null}
      {coolingDown ? (
        <Notice tone="info">
          Refreshed recently. You can refresh again in {formatWait(Math.ceil((cooldownUntil - now) / 1000))}.
        </Notice>
      ) : refresh.error && errorCode(refresh.error) !== 'TOO_MANY_REQUESTS' ? (
        <Notice tone="error">{describeError(refresh.error)}</Notice>
      ) : null}
      {reconnect.error ? <Notice tone="error">{describeError(reconnect.error)}</Notice> : null}
      <div className="actions">
        {syncable ? (
          <button
            type="button"
            className="button secondary"
            disabled={refresh.isPending || coolingDown || syncing}
            onClick={() => refresh.mutate({ consentId: consent.id })}
            aria-describedby={headingId}
          >
            Refresh
          </button>
        ) : null}
        {consent.status === 'REAUTH_REQUIRED' || consent.status === 'EXPIRED' ? (
          <button
            type="button"
            className="button primary"
            disabled={reconnect.isPending}
            onClick={() => reconnect.mutate({ skillId: consent.skill.id })}
          >
            Approve again
          </button>
        ) : null}
        {consent.status !== 'DELETED' ? (
          <button
            type="button"
            className="button danger-outline"
            onClick={() => setConfirming(true)}
            aria-describedby={headingId}
          >
            Revoke
          </button>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Revoke access to ${consent.servicer.name}?`}
        confirmLabel="Revoke access"
        busy={revoke.isPending}
        onConfirm={() => revoke.mutate({ consentId: consent.id })}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Tenant stops reading this bank at once and asks your bank to end the access. You can connect it
          again later.
        </p>
        {revoke.error ? <Notice tone="error">{describeError(revoke.error)}</Notice> : null}
      </ConfirmDialog>
    </li>
  );
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The current time, ticking each second while `active` (a countdown). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
