/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The api's tRPC endpoint, e.g. `http://127.0.0.1:3000/trpc`. */
  readonly VITE_TENANT_API_URL?: string;
}
