import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A port another process holds. Its message says which port, which setting chooses it and how to
 * pick another: what an operator needs, where a raw EADDRINUSE stack says none of it.
 */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly host: string,
    readonly variable: string,
    /** How to choose another, e.g. `PUBLIC_APP_URL=http://127.0.0.1:5273/connected`; default `<variable>=<port + 100>`. */
    example = `${variable}=${port + 100}`,
  ) {
    super(
      `port ${port} on ${host} (${variable}) is already in use, perhaps by another Tenant: ` +
        `stop that process, or choose a free port, e.g. ${example}`,
    );
  }
}

/**
 * Starts `server` on `host:port`. `variable` names the setting that chose the port, for the error
 * when the port is taken.
 */
export function listenOn(server: Server, port: number, host: string, variable: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host, variable) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
