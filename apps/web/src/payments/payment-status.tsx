import type { RouterOutputs } from '@tenant/client';

export type Payment = RouterOutputs['payments']['list']['items'][number];

/** Our lifecycle for people (the README's table): what each status means for the money. */
const STATUS: Record<Payment['status'], { label: string; tone: 'ok' | 'warn' | 'muted' | 'bad' }> = {
  PENDING: { label: 'Waiting for your approval at the bank', tone: 'warn' },
  AUTHORISED: { label: 'Approved at the bank', tone: 'muted' },
  ACCEPTED: { label: 'Accepted by the bank', tone: 'muted' },
  SETTLED: { label: 'Paid', tone: 'ok' },
  REJECTED: { label: 'Rejected', tone: 'bad' },
  FAILED: { label: 'Failed', tone: 'bad' },
};

const REASONS: Record<string, string> = {
  denied_at_bank: 'You did not approve it at the bank.',
  not_authorised: 'It was not approved at the bank in time.',
  refused_by_bank: 'The bank refused this payment.',
  consent_invalid: 'The bank no longer lets us follow this payment.',
  status_unknown: 'You approved it, but we could not learn what happened next: check with your bank.',
  tracking_timeout: 'The bank gave no final answer within five days: check with your bank.',
  AM04: 'Insufficient funds.',
};

export const isFinal = (status: Payment['status']) => ['SETTLED', 'REJECTED', 'FAILED'].includes(status);

export function StatusBadge({ status }: { status: Payment['status'] }) {
  const { label, tone } = STATUS[status];
  return <span className={`badge ${tone === 'bad' ? 'warn' : tone}`}>{label}</span>;
}

/** Why a payment was rejected or failed, in a sentence (the bank's code when we have no sentence). */
export function reasonText(reason: string | null): string | null {
  if (!reason) return null;
  return REASONS[reason] ?? `The bank's reason: ${reason}.`;
}
