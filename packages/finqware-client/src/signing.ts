import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_TTL_SECONDS } from './spec-choices';

/** A service-account key as described in §2.5 (the PEM of the key file's `private_key`). */
export interface SigningKey {
  privateKeyPem: string;
  /** The key file's `private_key_id`; becomes the JWT header's `kid`. */
  keyId: string;
  /** The key file's `client_email`; becomes `iss`, `sub` and `email`. */
  serviceAccountEmail: string;
  audience?: string;
  ttlSeconds?: number;
}

export interface RequestSigner {
  /** Returns the value of the Authorization header for exactly these body bytes. */
  authorization(body: string): string;
}

const base64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

/** Standard (not URL-safe) padded Base64 of the SHA-256 of the exact bytes sent (§2.5). */
export function bodyDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('base64');
}

export function createRequestSigner(key: SigningKey, now: () => number = Date.now): RequestSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key.privateKeyPem);
  } catch {
    // The PEM itself never goes into the message.
    throw new TypeError('signingKey.privateKeyPem is not a valid PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new TypeError('signingKey.privateKeyPem must be an RSA key');
  if (!key.keyId) throw new TypeError('signingKey.keyId is required');
  if (!key.serviceAccountEmail) throw new TypeError('signingKey.serviceAccountEmail is required');
  const ttl = key.ttlSeconds ?? DEFAULT_JWT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new TypeError('signingKey.ttlSeconds must be a positive integer');
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.keyId }));
  const audience = key.audience ?? DEFAULT_JWT_AUDIENCE;

  return {
    authorization(body: string): string {
      const iat = Math.floor(now() / 1000);
      const claims = {
        iat,
        exp: iat + ttl,
        iss: key.serviceAccountEmail,
        aud: audience,
        sub: key.serviceAccountEmail,
        email: key.serviceAccountEmail,
        digest: bodyDigest(body),
      };
      const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
      const signature = sign('RSA-SHA256', Buffer.from(signingInput), privateKey);
      return `Bearer ${signingInput}.${base64url(signature)}`;
    },
  };
}
