import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { ApiError } from './errors';
import { SPEC_CHOICES } from './spec-choices';

export interface SigningOptions {
  publicKeyPem: string;
  /** When set, the JWT header `kid` must equal it. */
  keyId?: string;
  /** When set, `iss` (and `sub`/`email` when present) must equal it. */
  serviceAccountEmail?: string;
}

const missing = (message: string) => ApiError.of(SPEC_CHOICES.signing.missingHeader, message);
const rejected = (message: string) => ApiError.of(SPEC_CHOICES.signing.badToken, message);

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw missing(`Authorization: the JWT ${what} is not base64url JSON`);
}

/**
 * Verifies a `/v1s` request (§2.5): `Authorization: Bearer <RS256 JWS>` whose `digest` claim is the
 * standard Base64 SHA-256 of the exact raw body bytes, `aud` = api.finqware.com, `exp` in the future.
 */
export class SignatureVerifier {
  private readonly key: KeyObject;

  constructor(private readonly options: SigningOptions) {
    this.key = createPublicKey(options.publicKeyPem);
  }

  verify(authorization: string | undefined, rawBody: Buffer, nowMs = Date.now()): void {
    if (!authorization) throw missing('Authorization header is required on /v1s (Bearer <signed JWT>)');
    const m = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization.trim());
    if (!m) throw missing('Authorization must be "Bearer <compact JWS>"');
    const [, h, p, s] = m as unknown as [string, string, string, string];
    const header = decodeJson(h, 'header');
    const claims = decodeJson(p, 'payload');
    if (header.alg !== 'RS256') throw rejected('JWT alg must be RS256');
    if (this.options.keyId !== undefined && header.kid !== this.options.keyId)
      throw rejected('JWT kid is not a known key');
    const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.key, Buffer.from(s, 'base64url'));
    if (!ok) throw rejected('JWT signature does not verify against the registered public key');
    const aud = claims.aud;
    const audOk =
      aud === SPEC_CHOICES.signing.audience ||
      (Array.isArray(aud) && aud.includes(SPEC_CHOICES.signing.audience));
    if (!audOk) throw rejected(`JWT aud must be "${SPEC_CHOICES.signing.audience}"`);
    const nowSec = Math.floor(nowMs / 1000);
    const skew = SPEC_CHOICES.signing.clockSkewSeconds;
    if (typeof claims.exp !== 'number') throw rejected('JWT exp claim is required');
    if (claims.exp + skew <= nowSec) throw rejected('JWT expired');
    if (typeof claims.iat === 'number' && claims.iat - skew > nowSec)
      throw rejected('JWT iat is in the future');
    const email = this.options.serviceAccountEmail;
    if (email !== undefined) {
      if (claims.iss !== email) throw rejected('JWT iss is not the registered service account');
      if (claims.sub !== undefined && claims.sub !== email)
        throw rejected('JWT sub is not the registered service account');
      if (claims.email !== undefined && claims.email !== email)
        throw rejected('JWT email is not the registered service account');
    }
    const digest = createHash('sha256').update(rawBody).digest('base64');
    if (claims.digest !== digest) throw rejected('JWT digest does not match the SHA-256 of the request body');
  }
}
