import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useTenant } from '@tenant/client/react-query';
import { useForm } from 'react-hook-form';
import { describeError, errorCode, fieldIssues } from '../api/errors';
import { Notice } from '../ui/states';
import { session } from './session';

type Values = { email: string; password: string };

/**
 * Sign-in and sign-up share one form: the api checks the inputs (its messages show beside the
 * fields), the browser only asks for what is required. On success the token is kept and the
 * user goes where they were headed.
 */
export function AuthForm({ mode, redirect }: { mode: 'sign-in' | 'sign-up'; redirect?: string }) {
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const notice = session.notice();
  const form = useForm<Values>({ defaultValues: { email: '', password: '' } });
  const { errors } = form.formState;
  const procedure = mode === 'sign-in' ? tenant.auth.login : tenant.auth.register;
  const submit = useMutation(
    procedure.mutationOptions({
      onSuccess: (result) => {
        queryClient.clear();
        session.signIn(result);
        void navigate({ to: redirect?.startsWith('/') ? redirect : '/accounts', replace: true });
      },
      onError: (error) => {
        for (const [name, message] of Object.entries(fieldIssues(error))) {
          if (name === 'email' || name === 'password') form.setError(name, { message });
        }
      },
    }),
  );
  const failure =
    submit.error && Object.keys(fieldIssues(submit.error)).length === 0
      ? errorCode(submit.error) === 'UNAUTHORIZED'
        ? 'Wrong email or password.'
        : describeError(submit.error)
      : null;

  const title = mode === 'sign-in' ? 'Sign in' : 'Create your account';
  return (
    <main id="main" className="auth">
      <h1>{title}</h1>
      {notice ? <Notice tone="info">{notice}</Notice> : null}
      {failure ? <Notice tone="error">{failure}</Notice> : null}
      <form className="form" noValidate onSubmit={form.handleSubmit((values) => submit.mutate(values))}>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="email"
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={errors.email ? 'email-error' : undefined}
            {...form.register('email', { required: 'Enter your email address' })}
          />
          {errors.email ? (
            <p className="field-error" id="email-error">
              {errors.email.message}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={
              errors.password ? 'password-error' : mode === 'sign-up' ? 'password-hint' : undefined
            }
            {...form.register('password', { required: 'Enter your password' })}
          />
          {mode === 'sign-up' && !errors.password ? (
            <p className="hint" id="password-hint">
              At least 10 characters.
            </p>
          ) : null}
          {errors.password ? (
            <p className="field-error" id="password-error">
              {errors.password.message}
            </p>
          ) : null}
        </div>
        <button type="submit" className="button primary" disabled={submit.isPending}>
          {submit.isPending ? 'Please wait…' : title}
        </button>
      </form>
      <p className="switch">
        {mode === 'sign-in' ? (
          <>
            New here?{' '}
            <Link to="/sign-up" search={{ redirect }}>
              Create an account
            </Link>
          </>
        ) : (
          <>
            Already have an account?{' '}
            <Link to="/sign-in" search={{ redirect }}>
              Sign in
            </Link>
          </>
        )}
      </p>
    </main>
  );
}
