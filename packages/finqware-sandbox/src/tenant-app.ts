/** The one tenant app the sandbox accepts (public sandbox values, agreed in finqware-contract.md). */
export const TENANT_APP = {
  clientId: '5a1d8c3e-0b7f-4e2a-9d6c-3f8b1e4a7c20',
  clientSecret: 'sbx-secret-9f4e2b7c1a6d',
  clientAppKey: 'MDAxNmxvY2F0aW9uIGZpbnF3YXJlc2FuZGJveA',
  name: 'tenant-sandbox',
} as const;

/** Sandbox bank credentials accepted by form steps. */
export const SANDBOX_BANK = {
  password: 'sandbox',
  otp: '123456',
} as const;
