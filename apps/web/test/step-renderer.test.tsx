// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ConnectStep, StepRenderer } from '../src/connect/step-renderer';

/**
 * The step renderer draws every step kind the sandbox offers from the step's own fields. The
 * steps below are the catalog's (packages/finqware-sandbox/catalog.json) as connect.start and
 * connect.submit return them.
 */
const credentials: ConnectStep = {
  id: 's1',
  kind: 'form',
  title: 'Sign in to BT24',
  fields: [
    { name: 'username', type: 'text', label: 'Username', required: true },
    { name: 'password', type: 'password', label: 'Password', required: true },
  ],
};
const otp: ConnectStep = {
  id: 's2',
  kind: 'form',
  title: 'Enter the code sent to your phone',
  fields: [{ name: 'otp', type: 'otp', label: 'One-time code', required: true }],
};
const paymentIntent: ConnectStep = {
  id: 's3',
  kind: 'payment_intent',
  title: 'Pay from your Raiffeisen account',
  fields: [
    { name: 'debtor_iban', type: 'iban', label: 'Pay from (IBAN)', required: true },
    { name: 'amount', type: 'amount', label: 'Amount', required: true },
    { name: 'currency', type: 'select', label: 'Currency', required: true, options: ['RON', 'EUR'] },
    { name: 'remittance_information', type: 'text', label: 'Reference', required: false },
  ],
};
const productForm: ConnectStep = {
  id: 's4',
  kind: 'product_form',
  title: 'Choose your product',
  fields: [{ name: 'value', type: 'amount', label: 'Value', required: true }],
};
const sca: ConnectStep = {
  id: 's5',
  kind: 'sca',
  title: 'Approve access at Raiffeisen Bank',
  fields: [],
  redirectUrl: 'http://127.0.0.1:3010/bank/rzb_ro/authorize?state=abc',
};
const implicit: ConnectStep = { id: 's6', kind: 'sca_implicit', title: 'Connect ING (sandbox)', fields: [] };

function renderStep(
  step: ConnectStep,
  extra: { issues?: Record<string, string>; submitting?: boolean } = {},
) {
  const onSubmit = vi.fn();
  const view = render(
    <StepRenderer
      step={step}
      bankName="Test Bank"
      onSubmit={onSubmit}
      submitting={extra.submitting ?? false}
      issues={extra.issues}
    />,
  );
  return { onSubmit, ...view };
}

afterEach(cleanup);

describe('StepRenderer', () => {
  it('renders a form step from its fields and submits their values', async () => {
    const { onSubmit } = renderStep(credentials);
    expect(screen.getByRole('heading', { name: 'Sign in to BT24' })).toBeTruthy();
    expect((screen.getByLabelText('Password') as HTMLInputElement).type).toBe('password');
    await userEvent.type(screen.getByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'sandbox');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({ username: 'demo', password: 'sandbox' });
  });

  it('asks for required fields before sending anything', async () => {
    const { onSubmit } = renderStep(credentials);
    await userEvent.type(screen.getByLabelText('Username'), 'demo');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText('Enter password')).toBeTruthy();
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
  });

  it('shows the api’s message beside its field, keeps what was typed, and focuses the field', async () => {
    const { rerender, onSubmit } = renderStep(credentials);
    await userEvent.type(screen.getByLabelText('Username'), 'demo');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong');
    rerender(
      <StepRenderer
        step={credentials}
        bankName="Test Bank"
        onSubmit={onSubmit}
        submitting={false}
        issues={{ password: 'The bank refused this password' }}
      />,
    );
    const message = await screen.findByText('The bank refused this password');
    const input = screen.getByLabelText('Password');
    expect(input.getAttribute('aria-describedby')).toBe(message.id);
    expect(document.activeElement).toBe(input);
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('demo');
  });

  it('shows an issue that names no field of the step above the form', () => {
    renderStep(otp, { issues: { '': 'The session state is unclear' } });
    expect(screen.getByRole('alert').textContent).toContain('The session state is unclear');
  });

  it('gives the OTP field a numeric keyboard and one-time-code autofill', () => {
    renderStep(otp);
    const input = screen.getByLabelText('One-time code');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
  });

  it('renders a payment intent: select options, decimal amounts, optional fields marked', async () => {
    const { onSubmit } = renderStep(paymentIntent);
    const currency = screen.getByLabelText('Currency') as HTMLSelectElement;
    expect([...currency.options].map((o) => o.value)).toEqual(['', 'RON', 'EUR']);
    expect(screen.getByLabelText('Amount').getAttribute('inputmode')).toBe('decimal');
    expect(screen.getByText('(optional)')).toBeTruthy();
    await userEvent.type(screen.getByLabelText('Pay from (IBAN)'), 'RO49AAAA1B31007593840000');
    await userEvent.type(screen.getByLabelText('Amount'), '12.50');
    await userEvent.selectOptions(currency, 'EUR');
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({
      debtor_iban: 'RO49AAAA1B31007593840000',
      amount: '12.50',
      currency: 'EUR',
      remittance_information: '',
    });
  });

  it('renders a product form like any form', () => {
    renderStep(productForm);
    expect(screen.getByLabelText('Value')).toBeTruthy();
  });

  it('sends the browser to the bank for a redirect step, with nothing to submit', () => {
    const { onSubmit } = renderStep(sca);
    const link = screen.getByRole('link', { name: 'Continue to Test Bank' });
    expect(link.getAttribute('href')).toBe(sca.redirectUrl);
    expect(screen.queryByRole('button')).toBeNull();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('approves an implicit step with an empty submission', async () => {
    const { onSubmit } = renderStep(implicit);
    await userEvent.click(screen.getByRole('button', { name: 'Approve access' }));
    expect(onSubmit).toHaveBeenCalledWith({});
  });

  it('cannot be submitted twice while a submission is under way', () => {
    renderStep(credentials, { submitting: true });
    expect((screen.getByRole('button', { name: 'Sending…' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
