import type { RouterOutputs } from '@tenant/client';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate, formatMoney } from '../ui/format';

type Balance = RouterOutputs['balances']['history'][number];

const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed'];
const TYPE_LABEL: Record<string, string> = {
  closingBooked: 'Closing booked',
  interimBooked: 'Booked',
  interimAvailable: 'Available',
  expected: 'Expected',
};
export const balanceLabel = (type: string) => TYPE_LABEL[type] ?? TYPE_LABEL[lowerFirst(type)] ?? type;
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * Stored balances of one account over time, a line per balance type. Amounts become numbers only
 * to place points on the axis; every figure a person reads (tooltip, axis) is formatted from the
 * exact decimal string or rounded for the axis.
 */
export function BalanceChart({ history, currency }: { history: Balance[]; currency: string }) {
  const types = [...new Set(history.map((b) => b.type))];
  const byTime = new Map<number, Record<string, number | string>>();
  for (const balance of history) {
    const at = (balance.referenceDate ?? balance.timestamp)?.getTime();
    if (at === undefined) continue;
    const point = byTime.get(at) ?? { at };
    point[balance.type] = Number(balance.amount);
    point[`${balance.type}:exact`] = balance.amount;
    byTime.set(at, point);
  }
  const data = [...byTime.values()].sort((a, b) => Number(a.at) - Number(b.at));
  const axisMoney = new Intl.NumberFormat('en-GB', { style: 'currency', currency, notation: 'compact' });
  return (
    <div className="chart" role="img" aria-label={`Balance history in ${currency}, ${data.length} points`}>
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#d4d4d8" />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(at: number) => formatDate(new Date(at))}
            stroke="#3f3f46"
          />
          <YAxis
            domain={['auto', 'auto']}
            tickFormatter={(value: number) => axisMoney.format(value)}
            width={80}
            stroke="#3f3f46"
          />
          <Tooltip
            labelFormatter={(at) => formatDate(new Date(Number(at)))}
            formatter={(_value, name, item) => [
              formatMoney(String((item.payload as Record<string, unknown>)[`${name}:exact`]), currency),
              balanceLabel(String(name)),
            ]}
          />
          <Legend formatter={(name) => balanceLabel(String(name))} />
          {types.map((type, i) => (
            <Line
              key={type}
              type="stepAfter"
              dataKey={type}
              stroke={COLORS[i % COLORS.length]}
              dot={data.length < 30}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
