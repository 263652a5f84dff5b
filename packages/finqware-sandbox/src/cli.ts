#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CONTROL_ROUTES, SANDBOX_BANK, startSandbox, TENANT_APP } from './index';

/**
 * `finqware-sandbox [--port 3010] [--host 127.0.0.1] [--seed demo] [--state-file path]`: a local
 * Finqware until SIGINT/SIGTERM. Each flag falls back to its environment variable (SANDBOX_PORT,
 * SANDBOX_HOST, SANDBOX_SEED, SANDBOX_STATE_FILE), which is how `pnpm start` configures it.
 */
const USAGE = `Usage: finqware-sandbox [options]

A local simulator of the Finqware API v1 (and /v1s, signed), for development and tests.

Options:
  --port <n>          port to listen on (default: $SANDBOX_PORT or 3010; 0 picks a free one)
  --host <address>    address to listen on (default: $SANDBOX_HOST or 127.0.0.1)
  --seed <text>       seed of all generated bank data (default: $SANDBOX_SEED or finqware-sandbox)
  --state-file <path> keep consents and the clock across restarts in this JSON file
                      (default: $SANDBOX_STATE_FILE; none)
  -h, --help          show this help`;

function fail(message: string): never {
  console.error(`finqware-sandbox: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        'state-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}

const args = options();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const portText = args.port ?? process.env.SANDBOX_PORT ?? '3010';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65_535)
  fail(`--port must be a port number (0–65535), not "${portText}"`);
const seed = args.seed ?? process.env.SANDBOX_SEED;
const stateFile = args['state-file'] ?? process.env.SANDBOX_STATE_FILE;

const sandbox = await startSandbox({
  port,
  host: args.host ?? process.env.SANDBOX_HOST ?? '127.0.0.1',
  ...(seed ? { seed } : {}),
  ...(stateFile ? { stateFile } : {}),
}).catch((err: NodeJS.ErrnoException) =>
  fail(err.code === 'EADDRINUSE' ? `port ${port} is in use: pick another with --port` : err.message),
);

// These are public sandbox values, safe to print.
console.log(`Finqware sandbox listening on ${sandbox.url}
  API          ${sandbox.apiUrl}   (signed: ${sandbox.signedApiUrl})
  client_id       ${TENANT_APP.clientId}
  client_secret   ${TENANT_APP.clientSecret}
  client_app_key  ${TENANT_APP.clientAppKey}
  bank login      any username, password "${SANDBOX_BANK.password}", OTP "${SANDBOX_BANK.otp}"
  sandbox time    ${sandbox.control.now()}
  state file      ${sandbox.stateFile ?? 'none (set --state-file to keep consents across restarts)'}
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
