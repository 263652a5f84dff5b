import currencyCodes from 'currency-codes';
import { electronicFormatIBAN, ValidationErrorsIBAN, validateIBAN } from 'ibantools';
import { z } from 'zod';
import { text } from '../../schemas';

/**
 * What a payment's money and accounts must look like before anything is stored or sent: IBANs by
 * ibantools (ISO 13616 mod-97 and each country's length and format), currencies and their minor
 * units by the ISO 4217 table of currency-codes, amounts as exact decimal strings.
 */

const IBAN_PROBLEMS: Partial<Record<ValidationErrorsIBAN, string>> = {
  [ValidationErrorsIBAN.NoIBANCountry]: 'does not start with a country that uses IBANs',
  [ValidationErrorsIBAN.WrongBBANLength]: 'has the wrong length for its country',
  [ValidationErrorsIBAN.WrongBBANFormat]: "does not have its country's account number format",
  [ValidationErrorsIBAN.ChecksumNotNumber]: 'has check digits that are not digits',
  [ValidationErrorsIBAN.WrongIBANChecksum]: 'has wrong check digits (mod-97)',
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum]: 'has a wrong national check digit',
};

/** An IBAN, spaces and case forgiven, stored in its electronic form (`RO49AAAA1B31007593840000`). */
export const iban = text()
  .max(64, { message: 'must be an IBAN' })
  .transform((value, ctx) => {
    const electronic = electronicFormatIBAN(value) ?? '';
    const { valid, errorCodes } = validateIBAN(electronic);
    if (valid) return electronic;
    const problem = errorCodes.map((code) => IBAN_PROBLEMS[code]).find(Boolean);
    ctx.addIssue({ code: 'custom', message: `is not a valid IBAN${problem ? `: it ${problem}` : ''}` });
    return z.NEVER;
  });

/** ISO 4217 records that are not money one can pay with (gold, SDRs, test and "no currency" codes). */
const notPayable = (record: { countries: string[] }) =>
  record.countries.length === 0 || record.countries.every((country) => country.startsWith('Zz'));

/** Digits after the decimal point of an ISO 4217 currency (EUR 2, JPY 0, BHD 3), or undefined. */
export function minorUnits(currency: string): number | undefined {
  const record = currencyCodes.code(currency);
  return record && !notPayable(record) ? record.digits : undefined;
}

export const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as "EUR"' })
  .refine((code) => minorUnits(code) !== undefined, { message: 'is not a currency one can pay in' });

/** numeric(20,4): 16 integer digits. A payment of more is not a payment anyone makes through an app. */
const AMOUNT = /^(\d{1,16})(?:\.(\d{1,4}))?$/;

/** A positive exact decimal string; its scale is checked against the currency in `paymentAmount`. */
export const amount = z
  .string()
  .regex(AMOUNT, { message: 'must be a positive decimal string like "150.25"' })
  .refine((value) => /[1-9]/.test(value), { message: 'must be more than zero' });

/**
 * The amount in canonical form (no leading zeros, at most the currency's minor units), or the
 * problem with it. "150.2" in EUR is "150.20"; "1.005" in EUR is refused, never rounded.
 */
export function paymentAmount(value: string, currencyCode: string): { amount: string } | { problem: string } {
  const digits = minorUnits(currencyCode);
  const match = AMOUNT.exec(value);
  if (digits === undefined || !match) return { problem: 'must be a positive decimal string like "150.25"' };
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) {
    return {
      problem:
        digits === 0
          ? `must be a whole number: ${currencyCode} has no minor unit`
          : `must have at most ${digits} decimals in ${currencyCode}`,
    };
  }
  return { amount: digits === 0 ? whole : `${whole}.${fraction.padEnd(digits, '0')}` };
}

/** Amounts as PostgreSQL returns numeric(20,4) ("150.2500"), shown with the currency's minor units. */
export function displayAmount(stored: string, currencyCode: string): string {
  const digits = minorUnits(currencyCode) ?? 4;
  const [whole = '0', fraction = ''] = stored.split('.');
  return digits === 0 ? whole : `${whole}.${fraction.padEnd(digits, '0').slice(0, digits)}`;
}
