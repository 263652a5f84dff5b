// A front-end's first calls, as the README's "Using Tenant from a front-end" shows them. Runs in
// the consumer project against a real api; prints what it saw as one JSON line.
import { createTenantClient, MAX_BATCH_SIZE, type RouterOutputs, tenantError } from '@tenant/client';
import { API_URL } from './api-url.ts';

let token: string | undefined;
const api = createTenantClient({ url: API_URL, token: () => token });

const email = `consumer-${crypto.randomUUID()}@example.com`;
({ token } = await api.auth.register.mutate({ email, password: 'a long enough password' }));

const me = await api.auth.me.query();
const skills: RouterOutputs['catalog']['skills'] = await api.catalog.skills.query();
// A busy page: more calls in one tick than one HTTP request may carry.
const burst = await Promise.all(
  Array.from({ length: MAX_BATCH_SIZE * 2 + 20 }, () => api.consents.list.query()),
);
const refused = await api.auth.login
  .mutate({ email, password: 'not the password' })
  .then(() => null, tenantError);
const page = await api.transactions.list.query({ limit: 5 });

console.log(
  JSON.stringify({
    email: me.email,
    createdAtIsDate: me.createdAt instanceof Date,
    skills: skills.map((skill) => skill.code).sort(),
    burst: burst.length,
    refused: refused?.code,
    transactions: page.items.length,
    nextCursor: page.nextCursor,
  }),
);
