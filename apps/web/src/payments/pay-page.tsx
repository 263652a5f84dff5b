import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTenant } from '@tenant/client/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { describeError, fieldIssues } from '../api/errors';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading, Notice } from '../ui/states';

type Values = {
  debtorIban: string;
  creditorName: string;
  creditorIban: string;
  amount: string;
  currency: string;
  remittance: string;
};

const FIELDS: Record<string, keyof Values> = {
  debtorIban: 'debtorIban',
  'creditor.name': 'creditorName',
  'creditor.iban': 'creditorIban',
  amount: 'amount',
  currency: 'currency',
  remittance: 'remittance',
};

/**
 * Pay with a bank's payment skill. The api is the one validator (IBANs, the currency's decimals);
 * its messages show beside the fields. One idempotency key per payment being written: a second
 * click or a retry after a network error is the same payment, never a second one. On success the
 * browser leaves for the bank to approve it; the bank sends it back to the payment's page.
 */
export function PayPage({ skillId }: { skillId?: string | undefined }) {
  useTitle('Pay');
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const skills = useQuery(tenant.catalog.skills.queryOptions());
  const [key, setKey] = useState(() => crypto.randomUUID());
  const form = useForm<Values>({
    defaultValues: {
      debtorIban: '',
      creditorName: '',
      creditorIban: '',
      amount: '',
      currency: 'RON',
      remittance: '',
    },
  });
  const { errors } = form.formState;
  const pay = useMutation(
    tenant.payments.initiate.mutationOptions({
      onSuccess: (payment) => {
        void queryClient.invalidateQueries({ queryKey: tenant.payments.list.queryKey() });
        if (payment.redirectUrl) window.location.assign(payment.redirectUrl);
      },
      onError: (error) => {
        for (const [path, message] of Object.entries(fieldIssues(error))) {
          const field = FIELDS[path];
          if (field) form.setError(field, { message });
        }
      },
    }),
  );
  const skill = skills.data?.find((s) => s.id === skillId && s.kind === 'pisp');
  if (skills.isPending) return <Loading what="banks" />;
  if (skills.isError) return <ErrorState error={skills.error} retry={() => void skills.refetch()} />;
  if (!skill) {
    return (
      <Empty title="Choose the bank to pay from.">
        <Link to="/connect">Banks</Link>
      </Empty>
    );
  }
  const failure =
    pay.error && Object.keys(fieldIssues(pay.error)).length === 0 ? describeError(pay.error) : null;
  const field = (name: keyof Values, label: string, options: { required?: string; hint?: string } = {}) => (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input
        id={name}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `${name}-error` : undefined}
        {...form.register(name, options.required ? { required: options.required } : {})}
      />
      {errors[name] ? (
        <p className="field-error" id={`${name}-error`}>
          {errors[name]?.message}
        </p>
      ) : options.hint ? (
        <p className="muted">{options.hint}</p>
      ) : null}
    </div>
  );
  return (
    <>
      <h1>Pay from {skill.servicer.name}</h1>
      <p className="lead">You approve the payment at {skill.servicer.name}; nothing is paid before that.</p>
      {failure ? <Notice tone="error">{failure}</Notice> : null}
      <form
        className="form"
        noValidate
        onSubmit={form.handleSubmit((values) =>
          pay.mutate({
            skillId: skill.id,
            debtorIban: values.debtorIban,
            creditor: { name: values.creditorName, iban: values.creditorIban },
            amount: values.amount.trim(),
            currency: values.currency.trim().toUpperCase(),
            ...(values.remittance.trim() ? { remittance: values.remittance.trim() } : {}),
            idempotencyKey: key,
          }),
        )}
      >
        {field('debtorIban', 'Pay from (your IBAN)', { required: 'Enter the IBAN you pay from' })}
        {field('creditorName', 'Payee', { required: 'Enter who you pay' })}
        {field('creditorIban', 'Payee IBAN', { required: "Enter the payee's IBAN" })}
        {field('amount', 'Amount', { required: 'Enter the amount', hint: 'For example 150.25' })}
        {field('currency', 'Currency', { required: 'Enter the currency' })}
        {field('remittance', 'Reference (optional)')}
        <div className="actions">
          <button type="submit" className="button primary" disabled={pay.isPending}>
            {pay.isPending ? 'Sending to the bank…' : 'Continue to the bank'}
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={pay.isPending}
            onClick={() => {
              form.reset();
              pay.reset();
              setKey(crypto.randomUUID());
            }}
          >
            Start a new payment
          </button>
        </div>
      </form>
    </>
  );
}
