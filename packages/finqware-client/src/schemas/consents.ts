import { z } from 'zod';
import { defined, utcTimestamp } from './common';

/** The consent endpoints wrap their answer in `{ op_type, code, http, message, result }` (§3.9). */
function envelope<S extends z.ZodType>(result: S) {
  return z.object({
    op_type: z.string().optional(),
    code: z.string().optional(),
    http: z.number().optional(),
    message: z.string().optional(),
    result,
  });
}

export interface ConsentInfo {
  credentialsId: string;
  status: 'ACTIVE' | 'DELETED' | 'EXPIRED' | (string & {});
  originator: { country: string; servicer: string; skill: string };
  tenantAppInfo: { clientId: string; name: string };
  utcCreated: string;
  utcLastUpdate: string;
  consentExp?: string;
  maxDataRetention?: string;
}

export const consentGetResponse = envelope(
  z.object({
    credentials_id: z.string().min(1),
    status: z.string(),
    originator: z.object({ country: z.string(), servicer: z.string(), skill: z.string() }),
    tenant_app_info: z.object({ client_id: z.string(), name: z.string() }),
    utc_created: utcTimestamp,
    utc_last_update: utcTimestamp,
    consent_exp: utcTimestamp.nullable().optional(),
    max_data_retention: utcTimestamp.nullable().optional(),
  }),
).transform(
  ({ result: r }): ConsentInfo =>
    defined({
      credentialsId: r.credentials_id,
      status: r.status,
      originator: {
        country: r.originator.country,
        servicer: r.originator.servicer,
        skill: r.originator.skill,
      },
      tenantAppInfo: { clientId: r.tenant_app_info.client_id, name: r.tenant_app_info.name },
      utcCreated: r.utc_created,
      utcLastUpdate: r.utc_last_update,
      consentExp: r.consent_exp ?? undefined,
      maxDataRetention: r.max_data_retention ?? undefined,
    }),
);

export interface ConsentDeleteResult {
  credentialsId: string;
  clientId: string;
  status?: string;
}

/** The response tail was truncated in every crawl (§3.9); only the two recovered ids are required. */
export const consentDeleteResponse = envelope(
  z.object({ client_id: z.string(), credentials_id: z.string().min(1), status: z.string().optional() }),
).transform(
  ({ result: r }): ConsentDeleteResult =>
    defined({ credentialsId: r.credentials_id, clientId: r.client_id, status: r.status }),
);
