import type { RouterOutputs } from '@tenant/client';
import { useEffect } from 'react';
import { type UseFormRegister, useForm } from 'react-hook-form';

type InProgress = Extract<RouterOutputs['connect']['get'], { status: 'IN_PROGRESS' }>;
export type ConnectStep = InProgress['step'];
export type StepField = ConnectStep['fields'][number];

export type StepRendererProps = {
  step: ConnectStep;
  /** The bank's name, for the redirect step's wording. */
  bankName: string;
  onSubmit: (values: Record<string, string>) => void;
  submitting: boolean;
  /** The api's messages for this step's fields (BAD_REQUEST issues), by field name. */
  issues?: Record<string, string>;
};

/**
 * Renders any connect step from the step itself, never from knowledge of a bank: a step with a
 * `redirectUrl` sends the browser to the bank; a step without fields is an approval; any other
 * step is a form built from its field list. Validation is the api's (its messages appear beside
 * the fields); the browser only marks required fields.
 */
export function StepRenderer(props: StepRendererProps) {
  const { step } = props;
  if (step.redirectUrl) return <RedirectStep {...props} redirectUrl={step.redirectUrl} />;
  if (step.fields.length === 0) return <ApprovalStep {...props} />;
  return <FormStep {...props} />;
}

function RedirectStep({ step, bankName, redirectUrl }: StepRendererProps & { redirectUrl: string }) {
  return (
    <section className="step" aria-labelledby="step-title">
      <h2 id="step-title">{step.title}</h2>
      <p>
        You will leave Tenant to approve access on {bankName}’s own page. When you are done, your bank sends
        you back here.
      </p>
      <a className="button primary" href={redirectUrl}>
        Continue to {bankName}
      </a>
    </section>
  );
}

function ApprovalStep({ step, bankName, onSubmit, submitting }: StepRendererProps) {
  return (
    <section className="step" aria-labelledby="step-title">
      <h2 id="step-title">{step.title}</h2>
      <p>{bankName} asks you to approve read access to your accounts.</p>
      <button type="button" className="button primary" disabled={submitting} onClick={() => onSubmit({})}>
        {submitting ? 'Approving…' : 'Approve access'}
      </button>
    </section>
  );
}

function FormStep({ step, onSubmit, submitting, issues }: StepRendererProps) {
  const form = useForm<Record<string, string>>({
    defaultValues: Object.fromEntries(step.fields.map((field) => [field.name, ''])),
  });
  const { errors } = form.formState;
  useEffect(() => {
    for (const [name, message] of Object.entries(issues ?? {})) {
      if (step.fields.some((field) => field.name === name))
        form.setError(name, { message }, { shouldFocus: true });
    }
  }, [issues, step.fields, form]);
  const general = Object.entries(issues ?? {}).filter(([name]) => !step.fields.some((f) => f.name === name));

  return (
    <section className="step" aria-labelledby="step-title">
      <h2 id="step-title">{step.title}</h2>
      {general.length > 0 ? (
        <div className="notice error" role="alert">
          {general.map(([name, message]) => (
            <p key={name}>{message}</p>
          ))}
        </div>
      ) : null}
      <form className="form" noValidate onSubmit={form.handleSubmit(onSubmit)}>
        {step.fields.map((field) => (
          <div className="field" key={field.name}>
            <label htmlFor={`field-${field.name}`}>
              {field.label}
              {field.required ? null : <span className="optional"> (optional)</span>}
            </label>
            <FieldInput field={field} register={form.register} invalid={Boolean(errors[field.name])} />
            {errors[field.name] ? (
              <p className="field-error" id={`field-${field.name}-error`}>
                {errors[field.name]?.message}
              </p>
            ) : null}
          </div>
        ))}
        <button type="submit" className="button primary" disabled={submitting}>
          {submitting ? 'Sending…' : 'Continue'}
        </button>
      </form>
    </section>
  );
}

/** Each field type gets the input that fits it (keyboard, autofill, spelling). */
function FieldInput({
  field,
  register,
  invalid,
}: {
  field: StepField;
  register: UseFormRegister<Record<string, string>>;
  invalid: boolean;
}) {
  const common = {
    id: `field-${field.name}`,
    'aria-invalid': invalid || undefined,
    'aria-describedby': invalid ? `field-${field.name}-error` : undefined,
    ...register(field.name, field.required ? { required: `Enter ${field.label.toLowerCase()}` } : {}),
  };
  if (field.type === 'select' && field.options) {
    return (
      <select {...common}>
        <option value="">Choose…</option>
        {field.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  }
  switch (field.type) {
    case 'password':
      return <input {...common} type="password" autoComplete="off" />;
    case 'otp':
      return <input {...common} type="text" inputMode="numeric" autoComplete="one-time-code" />;
    case 'amount':
      return <input {...common} type="text" inputMode="decimal" placeholder="0.00" />;
    case 'iban':
      return <input {...common} type="text" autoCapitalize="characters" spellCheck={false} />;
    default:
      return <input {...common} type="text" autoComplete="off" spellCheck={false} />;
  }
}
