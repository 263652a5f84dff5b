// Another team's test setup: a sandbox from the library, the flow over plain fetch, and the
// sandbox's ground truth to compare with (the README's "testing your own Finqware integration").
import { startSandbox, TENANT_APP } from '@tenant/finqware-sandbox';

const sandbox = await startSandbox({ seed: 'consumer', clock: { now: '2026-06-01T12:00:00Z' } });
try {
  const post = async (path: string, body: object) => {
    const res = await fetch(`${sandbox.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const skill = 'ing_ro_aisp_sbx_#2.0';
  const app = { client_id: TENANT_APP.clientId };
  const session = await post('/sessions', {
    ...app,
    client_app_key: TENANT_APP.clientAppKey,
    tenant_user_id: 'user-1',
    skill,
  });
  const step = await post(`/sessions/${session.body.session_id}/steps`, {
    ...app,
    nonce: session.body.nonce,
    skill,
    step: 'sca_implicit',
    data: {},
  });
  const tokens = await post('/tokens', {
    ...app,
    client_secret: TENANT_APP.clientSecret,
    temp_token: step.body.temp_token,
  });
  const accounts = await post('/accounts/get', {
    ...app,
    client_secret: TENANT_APP.clientSecret,
    tenant_user_id: 'user-1',
    credentials_id: tokens.body.credentials_id,
    access_token: tokens.body.access_token,
  });
  const truth = sandbox.control.truth({ credentialsId: tokens.body.credentials_id });
  sandbox.control.advanceClock({ advanceDays: 1 });
  console.log(
    JSON.stringify({
      status: accounts.status,
      accounts: (accounts.body as unknown as unknown[]).length,
      truthAccounts: truth.consents[0]?.accounts.length,
      now: sandbox.control.now(),
    }),
  );
} finally {
  await sandbox.close();
}
