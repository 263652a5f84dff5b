export * from './docs';
export * from './load';
export {
  catalogFingerprint,
  DEVELOPMENT_PUBLIC_APP_URL,
  pointsAtThisMachine,
  SANDBOX_BASE_URL,
  SANDBOX_CATALOG_SHA256,
  SANDBOX_TENANT_APP,
  type SectionName,
} from './sections';
export type { SigningKeyConfig } from './signing-key';
export {
  DEVELOPMENT_VAULT_KEY,
  LOG_LEVELS,
  type LogLevel,
  NODE_ENVS,
  type NodeEnv,
  type TrustedProxy,
  type VariableDoc,
  type VariableName,
  type VaultKey,
} from './variables';
