import type { RouterOutputs } from '@tenant/client';
import type { ReactNode } from 'react';
import { useForm } from 'react-hook-form';

export type TransactionSearch = {
  account?: string;
  from?: string;
  to?: string;
  status?: 'booked' | 'pending';
  min?: string;
  max?: string;
  q?: string;
};

/** Reads the page's URL search, keeping only what the filters understand. */
export function parseTransactionSearch(raw: Record<string, unknown>): TransactionSearch {
  const text = (key: string) =>
    typeof raw[key] === 'string' && raw[key] !== '' ? (raw[key] as string) : undefined;
  const status = text('status');
  return {
    account: text('account'),
    from: text('from'),
    to: text('to'),
    status: status === 'booked' || status === 'pending' ? status : undefined,
    min: text('min'),
    max: text('max'),
    q: text('q'),
  };
}

type Values = Required<Record<keyof TransactionSearch, string>>;

/** Maps the api's filter field names to this form's. */
const ISSUE_FIELD: Record<string, keyof Values> = {
  minAmount: 'min',
  maxAmount: 'max',
  from: 'from',
  to: 'to',
  search: 'q',
  accountId: 'account',
};

export function Filters(props: {
  search: TransactionSearch;
  accounts: RouterOutputs['accounts']['list'];
  issues: Record<string, string>;
  onApply: (search: TransactionSearch) => void;
}) {
  const { search } = props;
  const form = useForm<Values>({
    values: {
      account: search.account ?? '',
      from: search.from ?? '',
      to: search.to ?? '',
      status: search.status ?? '',
      min: search.min ?? '',
      max: search.max ?? '',
      q: search.q ?? '',
    },
  });
  const issues: Partial<Record<keyof Values, string>> = {};
  for (const [path, message] of Object.entries(props.issues)) {
    const field = ISSUE_FIELD[path];
    if (field) issues[field] = message;
  }
  const apply = (values: Values) =>
    props.onApply(
      parseTransactionSearch(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()]))),
    );

  const field = (name: keyof Values, label: string, input: ReactNode) => (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      {input}
      {issues[name] ? (
        <p className="field-error" id={`filter-${name}-error`}>
          {issues[name]}
        </p>
      ) : null}
    </div>
  );
  const described = (name: keyof Values) => ({
    id: `filter-${name}`,
    'aria-invalid': issues[name] ? true : undefined,
    'aria-describedby': issues[name] ? `filter-${name}-error` : undefined,
  });

  return (
    <form className="filters" aria-label="Filter transactions" onSubmit={form.handleSubmit(apply)}>
      {field(
        'q',
        'Search',
        <input
          {...described('q')}
          type="search"
          placeholder="Description or counterparty"
          {...form.register('q')}
        />,
      )}
      {field(
        'account',
        'Account',
        <select {...described('account')} {...form.register('account')}>
          <option value="">All accounts</option>
          {props.accounts.map((account) => (
            <option key={account.id} value={account.id}>
              {account.nickname ?? account.name ?? account.iban} ({account.currency})
            </option>
          ))}
        </select>,
      )}
      {field('from', 'From', <input {...described('from')} type="date" {...form.register('from')} />)}
      {field('to', 'To', <input {...described('to')} type="date" {...form.register('to')} />)}
      {field(
        'status',
        'Status',
        <select {...described('status')} {...form.register('status')}>
          <option value="">Any</option>
          <option value="booked">Booked</option>
          <option value="pending">Pending</option>
        </select>,
      )}
      {field(
        'min',
        'Min amount',
        <input
          {...described('min')}
          type="text"
          inputMode="decimal"
          placeholder="-100.00"
          {...form.register('min')}
        />,
      )}
      {field(
        'max',
        'Max amount',
        <input
          {...described('max')}
          type="text"
          inputMode="decimal"
          placeholder="250.00"
          {...form.register('max')}
        />,
      )}
      <div className="filter-actions">
        <button type="submit" className="button primary">
          Apply
        </button>
        <button type="button" className="button secondary" onClick={() => props.onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
