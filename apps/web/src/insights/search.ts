/** The insights page's URL search: the period, in whole months (kept apart so routing never loads the charts). */
export type InsightsSearch = { months?: number };
export const PERIODS = [3, 6, 12, 24] as const;

export function parseInsightsSearch(raw: Record<string, unknown>): InsightsSearch {
  const months = Number(raw.months);
  return PERIODS.includes(months as (typeof PERIODS)[number]) ? { months } : {};
}
