import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { VaultKey } from '../config/variables';

/**
 * Envelope-free authenticated encryption for the secrets we must be able to read back
 * (Finqware access_token, credentials_id, session nonces).
 *
 * Stored format (ASCII, one column): `v1.<kid>.<iv>.<ciphertext>.<tag>`, the last three base64url.
 * - AES-256-GCM, a fresh random 96-bit IV per value, 128-bit tag.
 * - Associated data = `v1|<kid>|<aad>`, where the caller's aad names the table, row and column
 *   (see secretAad): a value copied to another row or column, or relabelled with another key id,
 *   fails authentication instead of decrypting.
 * - Several keys may be configured: the LAST one encrypts, every one decrypts, so a new key can be
 *   deployed first and old values rotated afterwards (see rotateVaultKeys).
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

export interface Vault {
  /** Key id new values are encrypted with. */
  readonly currentKeyId: string;
  /** Every key id that can decrypt, oldest first. */
  readonly keyIds: readonly string[];
  encrypt(plaintext: string, aad: string): string;
  /** @throws VaultError when the value is malformed, its key is unknown, or authentication fails. */
  decrypt(stored: string, aad: string): string;
  /** The key id a stored value names (without decrypting it). */
  keyIdOf(stored: string): string;
  /** Keyed HMAC-SHA256 (hex) under the current HMAC key, for lookups of secrets by equality. */
  hmac(purpose: string, value: string): string;
  /** The HMAC of `value` under every configured HMAC key, current first (for lookups during a rotation). */
  hmacCandidates(purpose: string, value: string): string[];
}

/** Associated data binding a secret to its place: `secretAad('user_skills', id, 'access_token_enc')`. */
export function secretAad(table: string, rowId: string, column: string): string {
  return `${table}:${rowId}:${column}`;
}

export interface VaultOptions {
  /** A dedicated, stable HMAC key (VAULT_HMAC_KEY). Unset: one HMAC key per vault key, derived with HKDF. */
  hmacKey?: Buffer | undefined;
}

const b64 = (buf: Buffer) => buf.toString('base64url');

function deriveHmacKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'tenant vault hmac v1', 32));
}

export function createVault(keys: readonly VaultKey[], options: VaultOptions = {}): Vault {
  if (keys.length === 0) throw new VaultError('vault: at least one key is required');
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) throw new VaultError(`vault: invalid key id "${id}"`);
    if (key.length !== 32) throw new VaultError(`vault: key "${id}" must be 32 bytes`);
    if (byId.has(id)) throw new VaultError(`vault: duplicate key id "${id}"`);
    byId.set(id, Buffer.from(key));
  }
  const current = keys[keys.length - 1] as VaultKey;
  // Current first: hashes written now use it; lookups try the older ones too.
  const hmacKeys = options.hmacKey
    ? [Buffer.from(options.hmacKey)]
    : [...keys].reverse().map((k) => deriveHmacKey(k.key));

  const additionalData = (kid: string, aad: string) => Buffer.from(`${VERSION}|${kid}|${aad}`, 'utf8');

  const parse = (stored: string) => {
    const parts = typeof stored === 'string' ? stored.split('.') : [];
    const [version, kid, iv, ct, tag] = parts;
    if (parts.length !== 5 || version !== VERSION || !kid || iv === undefined || ct === undefined || !tag) {
      throw new VaultError('vault: value is not in the v1.<kid>.<iv>.<ciphertext>.<tag> format');
    }
    return {
      kid,
      iv: Buffer.from(iv, 'base64url'),
      ct: Buffer.from(ct, 'base64url'),
      tag: Buffer.from(tag, 'base64url'),
    };
  };

  const hmacWith = (key: Buffer, purpose: string, value: string) =>
    createHmac('sha256', key).update(`${purpose}\0${value}`, 'utf8').digest('hex');

  return {
    currentKeyId: current.id,
    keyIds: keys.map((k) => k.id),
    encrypt(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', byId.get(current.id) as Buffer, iv, {
        authTagLength: TAG_BYTES,
      });
      cipher.setAAD(additionalData(current.id, aad));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, current.id, b64(iv), b64(ct), b64(cipher.getAuthTag())].join('.');
    },
    decrypt(stored, aad) {
      const { kid, iv, ct, tag } = parse(stored);
      const key = byId.get(kid);
      if (!key) throw new VaultError(`vault: unknown key id "${kid}" (is it still in VAULT_KEYS?)`);
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new VaultError(
          'vault: value failed authentication (tampered, moved to another row, or wrong key)',
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(kid, aad));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        // Never echo the value or the plaintext: only say that it did not authenticate.
        throw new VaultError(
          'vault: value failed authentication (tampered, moved to another row, or wrong key)',
        );
      }
    },
    keyIdOf(stored) {
      return parse(stored).kid;
    },
    hmac(purpose, value) {
      return hmacWith(hmacKeys[0] as Buffer, purpose, value);
    },
    hmacCandidates(purpose, value) {
      return hmacKeys.map((key) => hmacWith(key, purpose, value));
    },
  };
}

/** The vault configured by VAULT_KEYS / VAULT_HMAC_KEY. */
export function vaultFromConfig(config: { vault: { keys: VaultKey[]; hmacKey: Buffer | undefined } }): Vault {
  return createVault(config.vault.keys, { hmacKey: config.vault.hmacKey });
}

/** credentials_id_hash: keyed, so a database dump alone cannot confirm a guessed credentials_id. */
export function hmacCredentialsId(vault: Vault, credentialsId: string): string {
  return vault.hmac('credentials_id', credentialsId);
}

/** Every hash a stored credentials_id may carry while a key rotation is under way. */
export function credentialsIdHashCandidates(vault: Vault, credentialsId: string): string[] {
  return vault.hmacCandidates('credentials_id', credentialsId);
}
