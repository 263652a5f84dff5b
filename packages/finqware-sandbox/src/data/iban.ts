function mod97(text: string): number {
  let mod = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const digit of value) mod = (mod * 10 + Number(digit)) % 97;
  }
  return mod;
}

/** Builds an IBAN with valid ISO 13616 check digits, so client-side IBAN validation passes. */
export function ibanWithCheckDigits(country: string, bban: string): string {
  const check = String(98 - mod97(`${bban}${country}00`.toUpperCase())).padStart(2, '0');
  return `${country}${check}${bban}`;
}

const IBAN_SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

/**
 * The sandbox bank's IBAN check: the ISO 13616 shape and its mod-97 check digits (a bank refuses a
 * payment to an account number that cannot exist). Country lengths are the tenant's business.
 */
export function isIban(value: string): boolean {
  const iban = value.replace(/\s+/g, '').toUpperCase();
  return IBAN_SHAPE.test(iban) && mod97(`${iban.slice(4)}${iban.slice(0, 4)}`) === 1;
}
