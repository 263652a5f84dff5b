import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Wire fields whose values are secrets: anything the sandbox hands out under these names is recorded. */
const SECRET_FIELDS = new Set(['access_token', 'temp_token', 'nonce', 'credentials_id', 'client_secret']);

/**
 * A loopback HTTP proxy in front of the sandbox that remembers every secret crossing it — the
 * access tokens, credentials ids, temp tokens and nonces the sandbox issues, and the client secret
 * our processes send — so a test can look for them where they must never be.
 */
export async function startRecordingProxy(target: string) {
  const secrets = new Map<string, string>();
  const record = (field: string, value: unknown) => {
    if (typeof value === 'string' && value.length > 0) secrets.set(value, field);
  };
  const scan = (text: string) => {
    try {
      visit(JSON.parse(text));
    } catch {
      // Not JSON (an HTML bank page, a fault): nothing structured to record.
    }
  };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (SECRET_FIELDS.has(key)) record(key, inner);
        else visit(inner);
      }
    }
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    scan(body.toString('utf8'));
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length'].includes(key)) continue;
      headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    try {
      const answer = await fetch(new URL(req.url ?? '/', target), {
        method: req.method,
        headers,
        body: body.length > 0 ? body : undefined,
        redirect: 'manual',
      });
      const text = await answer.text();
      scan(text);
      const location = answer.headers.get('location');
      if (location) record('temp_token', new URL(location, target).searchParams.get('temp_token'));
      const out: Record<string, string> = {};
      answer.headers.forEach((value, key) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(key))
          out[key] = value;
      });
      res.writeHead(answer.status, out);
      res.end(text);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** value → the wire field it travelled in. */
    secrets,
    record,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
