import type { SoakResult } from './run';

const n = (value: number) => value.toLocaleString('en-US');

/** The soak's verdict as a two-column table; the first block holds the figures that must be 0. */
export function formatReport(r: SoakResult): string {
  const c = r.comparison;
  const rows: [string, string][] = [
    ['consents (users)', `${n(r.consents)} (${n(r.users)})`],
    ['transactions compared', n(c.compared)],
    ['lost', n(c.lost)],
    ['duplicated', n(c.duplicated)],
    ['extra (cached, not at the bank)', n(c.extra)],
    ['wrong', n(c.wrong)],
    ['consents not ACTIVE', n(r.consents - (r.consentStatuses.ACTIVE ?? 0))],
    ['payments double (same key twice, or paid twice)', n(r.payments.double)],
    ['payments lost (paid, unknown or shown unpaid)', n(r.payments.lost)],
    ['payments wrong (status or amount)', n(r.payments.wrong)],
    ['payments not final after settling', n(r.payments.notFinal)],
    ['', ''],
    [
      'payment orders / sends (concurrent orders) / denied',
      `${n(r.payments.orders)} / ${n(r.payments.sends)} (${n(r.payments.concurrentOrders)}) / ${n(r.payments.denied)}`,
    ],
    ['payments held / made at the bank', `${n(r.payments.payments)} / ${n(r.payments.madeAtBank)}`],
    ['payments by status', JSON.stringify(r.payments.byStatus)],
    ['payments unconfirmed (status_unknown)', n(r.payments.unconfirmed)],
    ['sync jobs (by state)', `${n(r.jobs.jobs)} ${JSON.stringify(r.jobs.byState)}`],
    ['jobs retried (attempts)', n(r.jobs.retried)],
    ['dead-lettered', n(r.jobs.deadLettered)],
    ['sync runs (by outcome)', JSON.stringify(r.syncRuns)],
    [
      'fan-outs sent (jobs by state, retried)',
      `${n(r.fanouts)} ${JSON.stringify(r.jobs.fanouts.byState)}, ${n(r.jobs.fanouts.retried)} retried`,
    ],
    [
      'fan-out workers killed mid-way / on purpose',
      `${n(r.fanoutKills.midway)} / ${n(r.fanoutKills.sent)} (asked: ${n(r.options.fanoutKills)})`,
    ],
    ['worker kills (SIGKILL) / starts', `${n(r.workerKills)} / ${n(r.workerStarts)}`],
    ['sandbox clock advanced', `${n(r.clockAdvancedMinutes)} min`],
    ['sandbox requests / faults injected', `${n(r.sandboxRequests)} / ${n(r.faultsInjected)}`],
    ['retries fast-forwarded after faults off', n(r.retriesFastForwarded)],
    ['settle: stuck after no job moved for', `${n(r.settleStallSeconds)} s`],
    ['worker log lines (error/fatal/non-JSON)', `${n(r.workerLogLines)} (${n(r.workerErrorLines)})`],
    ['phases (s)', JSON.stringify(r.phases)],
    ['wall time', `${r.wallSeconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => (k ? `  ${k.padEnd(width)}  ${v}` : ''));
  const examples = c.examples.map(
    (m) =>
      `  e.g. ${m.kind} account=${m.account} utx=${m.utxId}${m.fields ? ` fields=${m.fields.join(',')}` : ''}` +
      (m.truth
        ? ` bank: ${m.truth.status} booked ${m.truth.bookingDate}, visible since ${m.truth.timestamp}`
        : ''),
  );
  return [
    `soak: ${r.ok ? 'PASS' : 'FAIL'}  (fault rate ${r.options.faultRate}, ${r.options.rounds} rounds × ${r.options.roundSeconds} s, seed ${r.options.seed})`,
    ...lines,
    ...examples,
    ...r.payments.examples.map((line) => `  e.g. ${line}`),
    `  worker logs: ${r.logDir}`,
  ].join('\n');
}
