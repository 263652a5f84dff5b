import manifest from '../package.json' with { type: 'json' };

/**
 * The node flags the api is meant to run with, from its package.json (`tenant.nodeFlags`), where
 * `pnpm start` reads them too (@tenant/spawn packageNodeFlags); the image passes the same ones
 * (apps/api/Dockerfile, checked by a test), and ops who run it otherwise set them in NODE_OPTIONS.
 *
 * 32 MB semi-spaces: a page of 100 transactions allocates ~250 KB, which Node 20's 16 MB filled
 * every ~60 ms at a thousand requests a second. Node 24 would size them up to 64 MB on a large
 * machine; the api runs as fast with 32 (docs/performance.md, "32 MB semi-spaces for the api"),
 * for 64 MB less memory.
 */
export const API_NODE_FLAGS: readonly string[] = manifest.tenant.nodeFlags;
