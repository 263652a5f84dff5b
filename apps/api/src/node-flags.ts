import manifest from '../package.json' with { type: 'json' };

/**
 * The node flags the api is meant to run with, from its package.json (`tenant.nodeFlags`), where
 * `pnpm start` reads them too (@tenant/spawn packageNodeFlags); the image passes the same ones
 * (apps/api/Dockerfile, checked by a test), and ops who run it otherwise set them in NODE_OPTIONS.
 *
 * A 32 MB young generation instead of V8's 16 MB: a page of 100 transactions allocates ~250 KB,
 * so at a thousand requests a second the default one fills every ~60 ms. Half as many scavenges
 * cut the api's p99 against the bare baseline from 1.36–1.43× to 1.31–1.32× on the 300k-row bench
 * (docs/performance.md), for up to 32 MB more memory.
 */
export const API_NODE_FLAGS: readonly string[] = manifest.tenant.nodeFlags;
