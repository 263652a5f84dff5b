import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received, as UTF-8 text. */
  raw: string;
  body: Record<string, unknown>;
}

export type StubReply =
  | { status: number; body?: unknown; text?: string; headers?: Record<string, string> }
  /** Send headers and half a body, then never finish (a stalled body). */
  | 'stall-body'
  /** Never answer at all. */
  | 'hang';

/** A tiny HTTP server with exact wire control, for the cases the sandbox cannot produce on demand. */
export async function startStub(
  handler: (req: StubRequest, index: number) => StubReply | Promise<StubReply>,
) {
  const requests: StubRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw);
      } catch {}
      const request = { path: req.url ?? '', headers: req.headers, raw, body };
      requests.push(request);
      const reply = await handler(request, requests.length - 1);
      if (reply === 'hang') {
        open.add(res);
        return;
      }
      if (reply === 'stall-body') {
        open.add(res);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('[{"id":');
        return;
      }
      const text = reply.text ?? JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const TEST_KEYS = {
  clientId: '5a1d8c3e-0b7f-4e2a-9d6c-3f8b1e4a7c20',
  clientSecret: 'sbx-secret-9f4e2b7c1a6d',
  clientAppKey: 'MDAxNmxvY2F0aW9uIGZpbnF3YXJlc2FuZGJveA',
};

export const AUTH = {
  credentialsId: '242a5690-0000-4000-8000-b4ed02bebd7f',
  accessToken: 'MDAxNmxvY-access-token-secret-value',
  tenantUserId: '5b0c0000-0000-4000-8000-000000000001',
};
