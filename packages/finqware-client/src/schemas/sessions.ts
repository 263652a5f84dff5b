import { z } from 'zod';
import { defined, utcTimestamp } from './common';

export const createSessionResponse = z
  .object({ nonce: z.string().min(1), session_id: z.string().min(1), status: z.string() })
  .transform((w) => ({ sessionId: w.session_id, nonce: w.nonce, status: w.status }));
export type CreateSessionResult = z.output<typeof createSessionResponse>;

export interface RedirectInstruction {
  url: string;
  method: string;
  headers: Record<string, string>;
}

const redirectData = z.object({
  url: z.string().min(1),
  method: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
});

export const submitStepResponse = z
  .object({
    status: z.string(),
    step_id: z.string().optional(),
    nonce: z.string().optional(),
    temp_token: z.string().optional(),
    data: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .transform((w) => {
    const data = w.data ?? {};
    // A redirect instruction (sca, payment_intent) is recognised by its shape, not by the step name.
    const redirect = redirectData.safeParse(data);
    return defined({
      status: w.status,
      stepId: w.step_id,
      nonce: w.nonce,
      tempToken: w.temp_token,
      redirect: redirect.success
        ? ({
            url: redirect.data.url,
            method: redirect.data.method,
            headers: redirect.data.headers ?? {},
          } as RedirectInstruction)
        : undefined,
      data,
    });
  });
export type SubmitStepResult = {
  status: string;
  stepId?: string;
  nonce?: string;
  tempToken?: string;
  redirect?: RedirectInstruction;
  data: Record<string, unknown>;
};

export const tokenExchangeResponse = z
  .object({
    credentials_id: z.string().min(1),
    access_token: z.string().min(1),
    consent_exp: utcTimestamp.nullable().optional(),
    max_data_retention: utcTimestamp.nullable().optional(),
  })
  .transform((w) =>
    defined({
      credentialsId: w.credentials_id,
      accessToken: w.access_token,
      consentExp: w.consent_exp ?? undefined,
      maxDataRetention: w.max_data_retention ?? undefined,
    }),
  );
export type TokenExchangeResult = {
  credentialsId: string;
  accessToken: string;
  consentExp?: string;
  maxDataRetention?: string;
};
