import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { createControl, type SandboxControl } from './control';
import { SandboxCore, startTimeOf } from './core';
import { createRequestHandler, type HttpContext } from './http/server';
import type { SandboxOptions } from './options';
import { openStateFile, StateWriter } from './state/persistence';

export { CATALOG } from './catalog';
export type { SandboxControl } from './control';
export { CONTROL_ROUTES } from './control';
export type { Truth, TruthAccount, TruthConsent, TruthTransaction } from './core';
export type { FaultKind, FaultOptions, FaultState } from './faults';
export { FAULT_KINDS } from './faults';
export type { SandboxOptions } from './options';
export type { SigningOptions } from './signing';
export { SPEC_CHOICES } from './spec-choices';
export type { StatsSnapshot } from './stats';
export { SANDBOX_BANK, TENANT_APP } from './tenant-app';

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:3010 */
  url: string;
  /** url + '/v1' */
  apiUrl: string;
  /** url + '/v1s' */
  signedApiUrl: string;
  port: number;
  /** Absolute path of `options.stateFile`, when set. */
  stateFile: string | undefined;
  control: SandboxControl;
  /**
   * Stops listening and ends every connection, hanging requests and keep-alive sockets included.
   * Then writes the state file, if there is one and anything changed.
   */
  close(): Promise<void>;
}

const warn = (message: string) => console.warn(`finqware-sandbox: ${message}`);

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const stateFile = options.stateFile === undefined ? undefined : resolvePath(options.stateFile);
  const opened = stateFile ? openStateFile(stateFile, options, warn) : undefined;
  const core = new SandboxCore(options, opened?.restored);
  const writer =
    stateFile && opened?.writable ? new StateWriter(stateFile, () => core.state(), warn) : undefined;
  if (writer) core.onChange = () => writer.changed();
  if (opened?.restored) core.resumeAt(startTimeOf(options));
  const host = options.host ?? '127.0.0.1';
  let url = '';
  const ctx: HttpContext = { core, origin: () => url, timers: new Set() };
  const server = createServer({ keepAlive: true }, createRequestHandler(ctx));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}/v1`,
    signedApiUrl: `${url}/v1s`,
    port,
    stateFile,
    control: createControl(core),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of ctx.timers) clearTimeout(t);
        ctx.timers.clear();
        server.close(() => {
          writer?.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
