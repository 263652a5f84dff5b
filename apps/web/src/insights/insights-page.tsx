import { useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import type { RouterOutputs } from '@tenant/client';
import { useTenant } from '@tenant/client/react-query';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney, formatMonth } from '../ui/format';
import { useTitle } from '../ui/layout';
import { Empty, ErrorState, Loading } from '../ui/states';
import { PERIODS } from './search';

const route = getRouteApi('/app/insights');

/** The chosen period: whole UTC months, the current one included. */
function period(months: number) {
  const now = new Date();
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1 - months, 1));
  return { from, to };
}

type Flow = RouterOutputs['insights']['cashflow'][number];
type Counterparty = RouterOutputs['insights']['topCounterparties'][number];

/** Cash flow per month and the top counterparties, for a chosen period and currency. */
export function InsightsPage() {
  const search = route.useSearch();
  useTitle('Insights');
  const tenant = useTenant();
  const navigate = useNavigate();
  const months = search.months ?? 12;
  const range = period(months);
  const cashflow = useQuery(tenant.insights.cashflow.queryOptions({ ...range, interval: 'month' }));
  // The api ranks counterparties across currencies; the chart shows one currency's top ten of them.
  const top = useQuery(tenant.insights.topCounterparties.queryOptions({ ...range, limit: 100 }));
  const currencies = busiestFirst(cashflow.data ?? []);
  const [picked, setPicked] = useState<string | null>(null);
  const currency = picked && currencies.includes(picked) ? picked : currencies[0];

  return (
    <>
      <h1>Insights</h1>
      <form className="filters inline" aria-label="Period and currency" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="period">Period</label>
          <select
            id="period"
            value={months}
            onChange={(e) => void navigate({ to: '/insights', search: { months: Number(e.target.value) } })}
          >
            {PERIODS.map((n) => (
              <option key={n} value={n}>
                Last {n} months
              </option>
            ))}
          </select>
        </div>
        {currencies.length > 1 ? (
          <div className="field">
            <label htmlFor="currency">Currency</label>
            <select id="currency" value={currency} onChange={(e) => setPicked(e.target.value)}>
              {currencies.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </div>
        ) : null}
      </form>

      <section className="card chart-card" aria-labelledby="cashflow-title">
        <h2 id="cashflow-title">Cash flow per month{currency ? ` (${currency})` : ''}</h2>
        {cashflow.isPending ? (
          <Loading what="cash flow" />
        ) : cashflow.isError ? (
          <ErrorState error={cashflow.error} retry={() => void cashflow.refetch()} />
        ) : !currency ? (
          <Empty title="No booked transactions in this period." />
        ) : (
          <CashflowChart flows={cashflow.data.filter((f) => f.currency === currency)} currency={currency} />
        )}
      </section>

      <section className="card chart-card" aria-labelledby="top-title">
        <h2 id="top-title">Top counterparties{currency ? ` (${currency})` : ''}</h2>
        {top.isPending ? (
          <Loading what="counterparties" />
        ) : top.isError ? (
          <ErrorState error={top.error} retry={() => void top.refetch()} />
        ) : !currency || top.data.every((c) => c.currency !== currency) ? (
          <Empty title="No counterparties in this period." />
        ) : (
          <CounterpartiesChart
            rows={top.data.filter((c) => c.currency === currency).slice(0, 10)}
            currency={currency}
          />
        )}
      </section>
    </>
  );
}

/** Currencies of the period, the one with the most transactions first (the default view). */
function busiestFirst(flows: Flow[]): string[] {
  const counts = new Map<string, number>();
  for (const f of flows) counts.set(f.currency, (counts.get(f.currency) ?? 0) + f.count);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([currency]) => currency);
}

/** Amounts become numbers only to size the bars; every figure shown is formatted from the string. */
const plot = (amount: string) => Number(amount);

function CashflowChart({ flows, currency }: { flows: Flow[]; currency: string }) {
  const data = flows.map((f) => ({
    label: formatMonth(f.period),
    inflow: plot(f.inflow),
    outflow: plot(f.outflow),
    f,
  }));
  const axis = new Intl.NumberFormat('en-GB', { style: 'currency', currency, notation: 'compact' });
  return (
    <>
      <div
        className="chart"
        role="img"
        aria-label={`Money in and out per month in ${currency}; the table below has the figures`}
      >
        <ResponsiveContainer width="100%" height={280}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#d4d4d8" />
            <XAxis dataKey="label" stroke="#3f3f46" />
            <YAxis tickFormatter={(v: number) => axis.format(v)} width={80} stroke="#3f3f46" />
            <Tooltip
              formatter={(_v, name, item) => {
                const f = (item.payload as { f: Flow }).f;
                return [
                  formatMoney(name === 'inflow' ? f.inflow : f.outflow, currency),
                  name === 'inflow' ? 'In' : 'Out',
                ];
              }}
            />
            <Legend formatter={(name) => (name === 'inflow' ? 'Money in' : 'Money out')} />
            <Bar dataKey="inflow" fill="#047857" isAnimationActive={false} />
            <Bar dataKey="outflow" fill="#b91c1c" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Cash flow as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="amount">
                In
              </th>
              <th scope="col" className="amount">
                Out
              </th>
              <th scope="col" className="amount">
                Net
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr key={f.period.toISOString()}>
                <td>{formatMonth(f.period)}</td>
                <td className="amount">{formatMoney(f.inflow, currency)}</td>
                <td className="amount">{formatMoney(f.outflow, currency)}</td>
                <td className="amount">{formatMoney(f.net, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function CounterpartiesChart({ rows, currency }: { rows: Counterparty[]; currency: string }) {
  const data = rows.map((c) => ({
    name: c.counterparty,
    outflow: plot(c.outflow),
    inflow: plot(c.inflow),
    c,
  }));
  const axis = new Intl.NumberFormat('en-GB', { style: 'currency', currency, notation: 'compact' });
  return (
    <>
      <div
        className="chart"
        role="img"
        aria-label={`Top ${rows.length} counterparties by money moved in ${currency}; the table below has the figures`}
      >
        <ResponsiveContainer width="100%" height={Math.max(200, rows.length * 44 + 60)}>
          <BarChart
            data={data}
            layout="vertical"
            margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
            accessibilityLayer={false}
          >
            <CartesianGrid strokeDasharray="3 3" stroke="#d4d4d8" />
            <XAxis type="number" tickFormatter={(v: number) => axis.format(v)} stroke="#3f3f46" />
            <YAxis type="category" dataKey="name" width={180} interval={0} stroke="#3f3f46" />
            <Tooltip
              formatter={(_v, name, item) => {
                const c = (item.payload as { c: Counterparty }).c;
                return [
                  formatMoney(name === 'inflow' ? c.inflow : c.outflow, currency),
                  name === 'inflow' ? 'In' : 'Out',
                ];
              }}
            />
            <Legend formatter={(name) => (name === 'inflow' ? 'Money in' : 'Money out')} />
            <Bar dataKey="outflow" stackId="moved" fill="#b91c1c" isAnimationActive={false} />
            <Bar dataKey="inflow" stackId="moved" fill="#047857" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Counterparties as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Counterparty</th>
              <th scope="col">Transactions</th>
              <th scope="col" className="amount">
                In
              </th>
              <th scope="col" className="amount">
                Out
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.counterparty}>
                <td>{c.counterparty}</td>
                <td>{c.count}</td>
                <td className="amount">{formatMoney(c.inflow, currency)}</td>
                <td className="amount">{formatMoney(c.outflow, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}
