export {
  type Comparison,
  canonicalDecimal,
  compareConsent,
  emptyComparison,
  type Mismatch,
  type StoredTransaction,
} from './soak/compare';
export { DEFAULTS, parseSoakOptions, SHORT, type SoakOptions } from './soak/options';
export { formatReport } from './soak/report';
export { runSoak, type SoakResult } from './soak/run';
