/** Builds an IBAN with valid ISO 13616 check digits, so client-side IBAN validation passes. */
export function ibanWithCheckDigits(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.toUpperCase();
  let mod = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const digit of value) mod = (mod * 10 + Number(digit)) % 97;
  }
  const check = String(98 - mod).padStart(2, '0');
  return `${country}${check}${bban}`;
}
