import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics } from '@tenant/api';
import { finqwareMetrics } from '@tenant/runtime';
import { createWorkerMetrics } from '@tenant/sync-worker';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../src/image';

/**
 * The dashboard and the alert rules name metrics and labels by hand: every one of them must be
 * something the api or the worker exports, or a panel stays empty and an alert never fires.
 */
type Series = { labels: Set<string> };

/** Every series name the processes export (histograms as _bucket/_sum/_count), with its labels. */
function exported(): Map<string, Series> {
  const api = createMetrics().registry;
  const worker = createWorkerMetrics().registry;
  for (const registry of [api, worker]) finqwareMetrics(registry);
  const series = new Map<string, Series>();
  for (const registry of [api, worker] as Registry[]) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, labelNames = [] } = metric as unknown as { name: string; labelNames?: string[] };
      const type = (metric as unknown as { type: string }).type;
      const names = type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
      for (const n of names) {
        const labels = new Set([...labelNames, ...(n.endsWith('_bucket') ? ['le'] : [])]);
        const known = series.get(n);
        series.set(n, { labels: known ? new Set([...known.labels, ...labels]) : labels });
      }
    }
  }
  return series;
}

const SERIES =
  /\b((?:tenant|trpc|http|db_pool|auth_session|finqware|process|nodejs)_[a-z0-9_]+)(\{([^}]*)\})?/g;
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);

function problemsOf(expr: string, series: Map<string, Series>): string[] {
  const problems: string[] = [];
  const used: Series[] = [];
  for (const match of expr.matchAll(SERIES)) {
    const [, name, , selector] = match as unknown as [string, string, string?, string?];
    const known = series.get(name);
    if (!known) {
      problems.push(`${name} is not exported`);
      continue;
    }
    used.push(known);
    for (const part of selector?.split(',') ?? []) {
      const label = part.trim().split(/[=!~]/)[0]?.trim();
      if (label && !known.labels.has(label)) problems.push(`${name} has no label ${label}`);
    }
  }
  if (used.length === 0) problems.push(`names no metric of ours: ${expr}`);
  for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
    for (const label of (by[1] ?? '').split(',').map((l) => l.trim())) {
      if (!TARGET_LABELS.has(label) && !used.some((s) => s.labels.has(label))) {
        problems.push(`groups by ${label}, which none of its metrics has`);
      }
    }
  }
  return problems;
}

describe('the dashboard and the alert rules', () => {
  const series = exported();

  it('alert on metrics and labels the processes export', () => {
    const rules = parse(readFileSync(join(ROOT, 'ops/prometheus-alerts.yaml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'TenantApiErrorRateHigh',
      'TenantApiLatencyP99High',
      'TenantConsentsNeedReauthorisation',
      'TenantDeadLetters',
      'TenantQueueBacklogOld',
      'TenantSyncFailureRatioHigh',
    ]);
    for (const alert of alerts) expect(problemsOf(alert.expr, series), alert.alert).toEqual([]);
  });

  it('chart metrics and labels the processes export', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'ops/grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) expect(problemsOf(target.expr, series), panel.title).toEqual([]);
    }
  });

  it('are about metrics docs/operations.md explains, every one of ours', () => {
    const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const ours = [...series.keys()]
      .filter((name) => !/^(process|nodejs)_/.test(name))
      .map((name) => name.replace(/_(bucket|sum|count)$/, ''));
    for (const name of new Set(ours)) expect(operations, name).toContain(`\`${name}\``);
  });

  it('catch a metric that does not exist', () => {
    expect(problemsOf('sum(rate(tenant_sincs_total[5m]))', series)).toEqual([
      'tenant_sincs_total is not exported',
      'names no metric of ours: sum(rate(tenant_sincs_total[5m]))',
    ]);
    expect(problemsOf('sum by (bank) (rate(tenant_syncs_total{outcom="FAILED"}[5m]))', series)).toEqual([
      'tenant_syncs_total has no label outcom',
      'groups by bank, which none of its metrics has',
    ]);
  });
});
