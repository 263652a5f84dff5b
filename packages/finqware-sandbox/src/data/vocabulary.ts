/** What realistic transactions are made of. Amount ranges are in RON cents; other currencies scale down. */

export type TxKind =
  | 'card'
  | 'transfer_out'
  | 'utility'
  | 'atm'
  | 'fee'
  | 'salary'
  | 'transfer_in'
  | 'refund';

export interface KindSpec {
  kind: TxKind;
  /** Share of all transactions (shares add up to 1). */
  share: number;
  direction: 'debit' | 'credit';
  minCents: number;
  maxCents: number;
}

// Credits are rarer but larger so the running balance drifts little over long histories.
export const KINDS: KindSpec[] = [
  { kind: 'card', share: 0.67, direction: 'debit', minCents: 450, maxCents: 32_000 },
  { kind: 'transfer_out', share: 0.1, direction: 'debit', minCents: 5_000, maxCents: 150_000 },
  { kind: 'utility', share: 0.06, direction: 'debit', minCents: 4_000, maxCents: 45_000 },
  { kind: 'atm', share: 0.05, direction: 'debit', minCents: 10_000, maxCents: 100_000 },
  { kind: 'fee', share: 0.03, direction: 'debit', minCents: 150, maxCents: 2_500 },
  { kind: 'salary', share: 0.02, direction: 'credit', minCents: 450_000, maxCents: 1_100_000 },
  { kind: 'transfer_in', share: 0.05, direction: 'credit', minCents: 5_000, maxCents: 150_000 },
  { kind: 'refund', share: 0.02, direction: 'credit', minCents: 900, maxCents: 25_000 },
];

export const MERCHANTS: { name: string; category: string; city: string }[] = [
  { name: 'KAUFLAND', category: 'groceries', city: 'BUCURESTI' },
  { name: 'LIDL', category: 'groceries', city: 'CLUJ-NAPOCA' },
  { name: 'CARREFOUR MARKET', category: 'groceries', city: 'BUCURESTI' },
  { name: 'MEGA IMAGE', category: 'groceries', city: 'BUCURESTI' },
  { name: 'OMV PETROM', category: 'fuel', city: 'PITESTI' },
  { name: 'MOL', category: 'fuel', city: 'BRASOV' },
  { name: 'UBER *TRIP', category: 'transport', city: 'AMSTERDAM' },
  { name: 'BOLT.EU', category: 'transport', city: 'TALLINN' },
  { name: 'NETFLIX.COM', category: 'entertainment', city: 'LOS GATOS' },
  { name: 'SPOTIFY', category: 'entertainment', city: 'STOCKHOLM' },
  { name: 'EMAG.RO', category: 'shopping', city: 'VOLUNTARI' },
  { name: 'IKEA', category: 'shopping', city: 'BUCURESTI' },
  { name: 'DECATHLON', category: 'shopping', city: 'TIMISOARA' },
  { name: 'STARBUCKS', category: 'restaurants', city: 'BUCURESTI' },
  { name: 'GLOVO', category: 'restaurants', city: 'BARCELONA' },
  { name: 'FARMACIA TEI', category: 'health', city: 'BUCURESTI' },
  { name: 'CATENA', category: 'health', city: 'IASI' },
  { name: 'CINEMA CITY', category: 'entertainment', city: 'CLUJ-NAPOCA' },
];

export const PEOPLE = [
  'Andrei Popescu',
  'Maria Ionescu',
  'Elena Dumitru',
  'Mihai Stan',
  'Ioana Georgescu',
  'Alexandru Marin',
  'Ana Radu',
  'Cristian Tudor',
];

export const UTILITIES = [
  'ENEL ENERGIE',
  'ENGIE ROMANIA',
  'DIGI RCS RDS',
  'ORANGE ROMANIA',
  'APA NOVA',
  'VODAFONE',
];

export const EMPLOYERS = ['ACME SOFTWARE SRL', 'BLUE RIVER LOGISTICS SA', 'NORTHWIND TRADING SRL'];

export const TRANSFER_REFS = ['chirie', 'cadou', 'impartit cina', 'rambursare', 'vacanta', 'bilete concert'];

export const ACCOUNT_TYPES = [
  { type: 'Personal current account', subType: 'CurrentAccount' },
  { type: 'Personal savings account', subType: 'Savings' },
  { type: 'Personal current account', subType: 'CurrentAccount' },
  { type: 'Business current account', subType: 'CurrentAccount' },
];

export const NICKNAMES = ['', 'Daily', 'Savings', 'Travel', ''];

/** Rough conversion from the RON-scaled ranges above. */
export const CURRENCY_SCALE: Record<string, number> = { RON: 1, EUR: 0.2, USD: 0.22, GBP: 0.17 };

export interface ServicerBank {
  bankCode: string;
  bic: string;
  country: 'RO' | 'HR';
  currencies: string[];
}

export const SERVICER_BANKS: Record<string, ServicerBank> = {
  rzb_ro: { bankCode: 'RZBR', bic: 'RZBRROBU', country: 'RO', currencies: ['RON', 'EUR', 'USD'] },
  bt_ro: { bankCode: 'BTRL', bic: 'BTRLRO22', country: 'RO', currencies: ['RON', 'EUR', 'USD'] },
  ing_ro: { bankCode: 'INGB', bic: 'INGBROBU', country: 'RO', currencies: ['RON', 'EUR', 'GBP'] },
  erste_hr: { bankCode: '2402006', bic: 'ESBCHR22', country: 'HR', currencies: ['EUR', 'USD', 'RON'] },
  xyz: { bankCode: 'XYZB', bic: 'XYZBROBU', country: 'RO', currencies: ['RON', 'EUR'] },
};
