/**
 * @tenant/client: what a front-end installs to call the Tenant api. It holds only `import type`
 * of the server; its published declarations carry the AppRouter type inlined, so neither a
 * browser bundle nor an `npm install` pulls anything of the server (test/bundle.test.ts and the
 * consumer test prove both).
 */
export type {
  AppRouter,
  ErrorReason,
  FieldIssue,
  RouterInputs,
  RouterOutputs,
  TenantErrorShape,
} from '@tenant/router';
// The class every failed call throws (for `instanceof`), and the codes its data may carry.
export { TRPCClientError } from '@trpc/client';
export type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
export { createTenantClient, type TenantClient, type TenantClientOptions, tenantLinks } from './client';
export {
  ERROR_CODES,
  ERROR_REASONS,
  type ErrorCode,
  isTenantClientError,
  type TenantClientError,
  type TenantError,
  tenantError,
} from './errors';
export { MAX_BATCH_SIZE } from './limits';
