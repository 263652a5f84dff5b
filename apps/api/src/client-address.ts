import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TrustedProxy } from '@tenant/domain';

/**
 * The address of the client a request comes from, which the sign-in limits count per (#12).
 *
 * By default it is the socket's peer: X-Forwarded-For is anyone's to write, so believing it would
 * let every request claim a fresh address. Behind load balancers, name them (API_TRUSTED_PROXIES):
 * when the peer is one of them, the header's entries are read from the right (each proxy appends
 * the peer it saw) past every trusted one, and the first untrusted entry is the client. An entry
 * that is not an IP address ends the walk at the last address known (the proxy that wrote it).
 */
export function clientAddressOf(trusted: readonly TrustedProxy[]): (req: IncomingMessage) => string {
  const proxies = new BlockList();
  for (const proxy of trusted) proxies.addSubnet(proxy.address, proxy.prefix, proxy.family);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };

  return (req) => {
    let client = unmapped(req.socket.remoteAddress ?? 'unknown');
    if (trusted.length === 0 || !isTrusted(client)) return client;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0 && isTrusted(client); i--) {
      const hop = unmapped(hops[i] as string);
      if (isIP(hop) === 0) break;
      client = hop;
    }
    return client;
  };
}

/** `::ffff:192.0.2.1` (an IPv4 peer of a dual-stack socket) is 192.0.2.1. */
function unmapped(address: string): string {
  const v4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  return v4 ?? address;
}
