import { CATALOG, type RunningSandbox, TENANT_APP } from '../src/index';

export const APP = TENANT_APP;

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function post<T = any>(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export async function get<T = any>(base: string, path: string): Promise<Reply<T>> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

export function createSession(sb: RunningSandbox, skill: string, tenantUserId = 'user-1') {
  return post(sb.apiUrl, '/sessions', {
    tenant_user_id: tenantUserId,
    client_id: APP.clientId,
    client_app_key: APP.clientAppKey,
    skill,
  });
}

export function submitStep(
  sb: RunningSandbox,
  sessionId: string,
  body: { nonce: string; skill: string; step: string; data: unknown },
) {
  return post(sb.apiUrl, `/sessions/${sessionId}/steps`, { client_id: APP.clientId, ...body });
}

/** Valid sandbox values for every field type of the catalog. */
export function validValue(field: { name: string; type: string; options?: string[] }): string {
  switch (field.type) {
    case 'password':
      return 'sandbox';
    case 'otp':
      return '123456';
    case 'amount':
      return '150.25';
    case 'iban':
      return field.name === 'debtor_iban' ? 'RO03RZBR0000069999999999' : 'RO10RZBR0000069999999970';
    case 'select':
      return field.options?.[0] ?? 'x';
    default:
      return 'testuser';
  }
}

export const REDIRECT = 'https://tenant.example/connect/callback?flow=1';

/** Runs a catalog skill's whole flow the way a front-end would and returns the temp_token. */
export async function runFlow(
  sb: RunningSandbox,
  skillCode: string,
  tenantUserId = 'user-1',
): Promise<string> {
  const skill = CATALOG.skills.find((s) => s.code === skillCode)!;
  const created = await createSession(sb, skillCode, tenantUserId);
  if (created.status !== 200) throw new Error(`create session: ${JSON.stringify(created.body)}`);
  let nonce: string = created.body.nonce;
  for (const step of skill.flow) {
    const data: Record<string, string> = {};
    for (const f of step.fields) data[f.name] = validValue(f);
    if (step.kind === 'sca' || step.kind === 'payment_intent') data.psu_redirect_link = REDIRECT;
    const r = await submitStep(sb, created.body.session_id, {
      nonce,
      skill: skillCode,
      step: step.step,
      data,
    });
    if (r.status !== 200) throw new Error(`step ${step.step}: ${JSON.stringify(r.body)}`);
    if (r.body.temp_token) return r.body.temp_token;
    if (r.body.data?.url) {
      const bank = await fetch(r.body.data.url, { redirect: 'manual' });
      const location = new URL(bank.headers.get('location')!);
      return location.searchParams.get('temp_token')!;
    }
    nonce = r.body.nonce;
  }
  throw new Error('flow ended without temp_token');
}

export async function exchange(sb: RunningSandbox, tempToken: string) {
  return post(sb.apiUrl, '/tokens', {
    client_id: APP.clientId,
    client_secret: APP.clientSecret,
    temp_token: tempToken,
  });
}

export interface ConsentPair {
  credentialsId: string;
  accessToken: string;
  tenantUserId: string;
}

export function dataAuth(c: ConsentPair) {
  return {
    client_id: APP.clientId,
    client_secret: APP.clientSecret,
    credentials_id: c.credentialsId,
    access_token: c.accessToken,
    tenant_user_id: c.tenantUserId,
  };
}

export function consentAuth(c: ConsentPair) {
  const { tenant_user_id: _, ...rest } = dataAuth(c);
  return rest;
}

export async function mint(
  sb: RunningSandbox,
  tenantUserId: string,
  opts: { skill?: string; transactionsPerAccount?: number } = {},
): Promise<ConsentPair> {
  const r = sb.control.createConsent({
    tenantUserId,
    skill: opts.skill ?? 'rzb_ro_aisp_sbx_#1.0',
    ...(opts.transactionsPerAccount ? { transactionsPerAccount: opts.transactionsPerAccount } : {}),
  });
  return { credentialsId: r.credentialsId, accessToken: r.accessToken, tenantUserId };
}

export async function transactions(sb: RunningSandbox, c: ConsentPair, filter?: Record<string, unknown>) {
  return post<any[]>(sb.apiUrl, '/transactions/get', { ...dataAuth(c), ...(filter ? { filter } : {}) });
}

export function expectError(r: Reply, status: number, code: string) {
  if (
    r.status !== status ||
    r.body?.code !== code ||
    r.body?.http !== status ||
    typeof r.body?.id !== 'string'
  ) {
    throw new Error(`expected ${status} ${code}, got ${r.status} ${JSON.stringify(r.body)}`);
  }
}
