import { randomBytes } from 'node:crypto';

/**
 * Opaque tokens shaped like Finqware's (§2.6): base64url of a macaroon-like text, so they start `MDAx`.
 * The random tail makes them unguessable; nothing ever parses them.
 */
export function opaqueToken(identifier: string): string {
  const head = Buffer.from(
    `0016location finqware\n00${(identifier.length + 16).toString(16).padStart(2, '0')}identifier ${identifier}\n`,
  );
  return Buffer.concat([head, randomBytes(32)]).toString('base64url');
}
