import { createServer } from 'node:net';
import type { ErrorReason } from '@tenant/router';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createTenantClient, type ERROR_REASONS, tenantError } from '../src/index';

describe('errors', () => {
  it('lists every reason the api may give', () => {
    expectTypeOf<(typeof ERROR_REASONS)[number]>().toEqualTypeOf<ErrorReason>();
  });

  it('reads a call that got no answer as NETWORK', async () => {
    // A server that hangs up on every connection: the call gets no HTTP answer at all.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const api = createTenantClient({ url: `http://127.0.0.1:${port}/trpc` });
      const error = await api.catalog.skills.query().catch((e: unknown) => e);
      expect(tenantError(error)).toMatchObject({ code: 'NETWORK' });
    } finally {
      server.close();
    }
  });

  it('reads an error that is not a call as UNKNOWN', () => {
    expect(tenantError(new TypeError('x is undefined'))).toEqual({
      code: 'UNKNOWN',
      message: 'x is undefined',
    });
  });
});
