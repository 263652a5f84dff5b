import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The passwords people pick most, from zxcvbn-ts's maintained list (~49,000 entries drawn from
 * breach corpora, lower-case). Only those long enough to pass our length rule can matter, so only
 * those are kept; a password is compared lower-cased, since `Basketball1` is as guessable as
 * `basketball1`.
 */
let common: Set<string> | undefined;

export function isCommonPassword(password: string, minLength: number): boolean {
  common ??= new Set(dictionary['passwords-common'].filter((entry) => entry.length >= minLength));
  return common.has(password.toLowerCase());
}
