import { createServer } from 'node:net';
import { PortInUseError } from '@tenant/runtime';

export interface WantedPort {
  port: number;
  host: string;
  /** The variable that chooses it, for the error. */
  variable: string;
  /** How to choose another (see PortInUseError). */
  example?: string;
}

/**
 * Fails before anything starts when a port the stack needs is taken, naming the port and the
 * variable that moves it. Checked up front, because a second `pnpm start` would otherwise find
 * the first one's api answering its health check and announce a stack that is not its own.
 */
export async function assertPortsFree(ports: readonly WantedPort[]): Promise<void> {
  for (const wanted of ports) {
    if (wanted.port === 0) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(wanted.port, wanted.host, () => probe.close(() => resolve(true)));
    });
    if (!free) throw new PortInUseError(wanted.port, wanted.host, wanted.variable, wanted.example);
  }
}
