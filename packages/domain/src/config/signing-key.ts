import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The key that signs Finqware calls (§2.5): the shape @tenant/finqware-client's `signingKey` takes. */
export interface SigningKeyConfig {
  privateKeyPem: string;
  /** The JWT header's `kid`: the key file's `private_key_id`. */
  keyId: string;
  /** `iss`/`sub`/`email`: the key file's `client_email`. */
  serviceAccountEmail: string;
}

type ServiceAccountFile = { private_key?: unknown; private_key_id?: unknown; client_email?: unknown };

/**
 * Reads FINQWARE_SIGNING_KEY_FILE: either the service account's JSON key file as Google issues it
 * (`private_key`, `private_key_id`, `client_email`) or a bare PEM, whose key id and e-mail must then
 * come from the two variables (which also override the JSON's). Returns what is wrong instead of
 * throwing, in words that never quote the file.
 */
export function readSigningKey(
  path: string,
  overrides: { keyId: string | undefined; serviceAccountEmail: string | undefined },
): { key: SigningKeyConfig } | { problem: { variable: string; expected: string } } {
  const text = readFileSync(path, 'utf8');
  let file: ServiceAccountFile = {};
  let pem = text;
  if (text.trimStart().startsWith('{')) {
    try {
      file = JSON.parse(text) as ServiceAccountFile;
    } catch {
      return fileProblem('a service-account JSON key file that parses as JSON');
    }
    if (typeof file.private_key !== 'string')
      return fileProblem('a service-account JSON with a `private_key`');
    pem = file.private_key;
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') return fileProblem('an RSA private key (RS256)');
  } catch {
    return fileProblem('a service-account JSON key file or a PEM private key');
  }
  const keyId =
    overrides.keyId ?? (typeof file.private_key_id === 'string' ? file.private_key_id : undefined);
  if (!keyId) {
    return {
      problem: {
        variable: 'FINQWARE_SIGNING_KEY_ID',
        expected:
          "the signing key's id, when FINQWARE_SIGNING_KEY_FILE is a PEM (a JSON key file carries it)",
      },
    };
  }
  const email =
    overrides.serviceAccountEmail ?? (typeof file.client_email === 'string' ? file.client_email : undefined);
  if (!email) {
    return {
      problem: {
        variable: 'FINQWARE_SERVICE_ACCOUNT_EMAIL',
        expected:
          'the service-account e-mail, when FINQWARE_SIGNING_KEY_FILE is a PEM (a JSON key file carries it)',
      },
    };
  }
  return { key: { privateKeyPem: pem, keyId, serviceAccountEmail: email } };
}

const fileProblem = (expected: string) => ({ problem: { variable: 'FINQWARE_SIGNING_KEY_FILE', expected } });
