// Another team's integration: connect a bank through Finqware's flow, read what it holds, and
// handle a typed error. Usage: node main.ts <baseUrl> <clientId> <clientSecret> <clientAppKey>
import { createFinqwareClient, FinqwareError } from '@tenant/finqware-client';

const [baseUrl, clientId, clientSecret, clientAppKey] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const fq = createFinqwareClient({ baseUrl, clientId, clientSecret, clientAppKey, timeoutMs: 10_000 });

const tenantUserId = 'consumer-user-1';
const skill = 'ing_ro_aisp_sbx_#2.0';
const session = await fq.sessions.create({ tenantUserId, skill });
const step = await fq.sessions.submitStep({
  sessionId: session.sessionId,
  nonce: session.nonce,
  skill,
  step: 'sca_implicit',
  data: {},
});
if (!step.tempToken) throw new Error('the sca_implicit step gave no temp_token');
const { credentialsId, accessToken } = await fq.tokens.exchange({ tempToken: step.tempToken });
const auth = { credentialsId, accessToken, tenantUserId };

const accounts = await fq.accounts.list(auth);
let transactions = 0;
for await (const page of fq.transactions.pages(auth, { by: 'booking_date' }))
  transactions += page.items.length;
const refused = await fq.accounts
  .list({ ...auth, accessToken: 'not-the-token' })
  .catch((err: unknown) => err);

console.log(
  JSON.stringify({
    credentialsId,
    accounts: accounts.length,
    transactions,
    refused: refused instanceof FinqwareError ? refused.kind : String(refused),
  }),
);
