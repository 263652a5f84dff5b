import { CONTROL_ROUTES, SANDBOX_BANK, startSandbox, TENANT_APP } from './index';

/** `pnpm --filter @tenant/finqware-sandbox start`: a local Finqware on SANDBOX_PORT (default 3010). */
const port = Number(process.env.SANDBOX_PORT ?? 3010);
const sandbox = await startSandbox({
  port,
  host: process.env.SANDBOX_HOST ?? '127.0.0.1',
  ...(process.env.SANDBOX_SEED ? { seed: process.env.SANDBOX_SEED } : {}),
  ...(process.env.SANDBOX_STATE_FILE ? { stateFile: process.env.SANDBOX_STATE_FILE } : {}),
});

// These are public sandbox values (agreed in finqware-contract.md), safe to print.
console.log(`Finqware sandbox listening on ${sandbox.url}
  API          ${sandbox.apiUrl}   (signed: ${sandbox.signedApiUrl})
  client_id       ${TENANT_APP.clientId}
  client_secret   ${TENANT_APP.clientSecret}
  client_app_key  ${TENANT_APP.clientAppKey}
  bank login      any username, password "${SANDBOX_BANK.password}", OTP "${SANDBOX_BANK.otp}"
  sandbox time    ${sandbox.control.now()}
  state file      ${sandbox.stateFile ?? 'none (set SANDBOX_STATE_FILE to keep consents across restarts)'}
  control routes:
${CONTROL_ROUTES.map((r) => `    ${r}`).join('\n')}`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the sandbox`);
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
