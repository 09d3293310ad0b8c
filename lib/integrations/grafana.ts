import { SCRAPE_JOB } from './prometheus.ts';

/** One panel of the Prometheus dashboard: its title, unit and PromQL queries (with their legends). */
export interface PanelSpec {
  title: string;
  unit: string;
  type?: 'timeseries' | 'table';
  queries: { expr: string; legend: string }[];
}

const job = `job="${SCRAPE_JOB}"`;

/**
 * What the Prometheus dashboard shows, over the series `kubemend serve` exports
 * (lib/observe/prometheus.ts) — the CloudWatch dashboard's panels (infra/grafana/kubemend.json),
 * for a kubemend that Prometheus scrapes. A test checks each query with promtool and each series
 * name against what `GET /metrics` serves.
 */
export const PROMETHEUS_PANELS: readonly PanelSpec[] = [
  {
    title: 'kubemend up',
    unit: 'short',
    queries: [{ expr: `up{${job}}`, legend: '{{instance}}' }],
  },
  {
    title: 'Alerts received',
    unit: 'short',
    queries: [{ expr: `sum(increase(kubemend_alerts_received_total{${job}}[$__rate_interval]))`, legend: 'alerts' }],
  },
  {
    title: 'Outcomes by result and action',
    unit: 'short',
    queries: [
      {
        expr: `sum by (result, action) (increase(kubemend_outcomes_total{${job}}[$__rate_interval]))`,
        legend: '{{result}} {{action}}',
      },
    ],
  },
  {
    title: 'Diagnoses by anomaly, and metric verdicts',
    unit: 'short',
    queries: [
      {
        expr: `sum by (anomaly) (increase(kubemend_diagnoses_total{${job}}[$__rate_interval]))`,
        legend: '{{anomaly}}',
      },
      {
        expr: `sum by (status) (increase(kubemend_metric_verdicts_total{${job}}[$__rate_interval]))`,
        legend: 'verdict {{status}}',
      },
    ],
  },
  {
    title: 'Time to diagnose and to fix (mean)',
    unit: 's',
    queries: [
      {
        expr: `sum(rate(kubemend_time_to_diagnose_seconds_sum{${job}}[$__rate_interval])) / sum(rate(kubemend_time_to_diagnose_seconds_count{${job}}[$__rate_interval]))`,
        legend: 'to diagnose',
      },
      {
        expr: `sum(rate(kubemend_time_to_fix_seconds_sum{${job}}[$__rate_interval])) / sum(rate(kubemend_time_to_fix_seconds_count{${job}}[$__rate_interval]))`,
        legend: 'to a verified fix',
      },
    ],
  },
  {
    title: 'Fixes undone and circuit-breaker opens',
    unit: 'short',
    queries: [
      {
        expr: `sum by (action) (increase(kubemend_fixes_undone_total{${job}}[$__rate_interval]))`,
        legend: 'undone {{action}}',
      },
      { expr: `sum(increase(kubemend_circuit_open_total{${job}}[$__rate_interval]))`, legend: 'circuit open' },
    ],
  },
  {
    title: 'Fixes applied, and how long ago (alerts still firing since are KubemendFixDidNotClearAlert)',
    unit: 's',
    type: 'table',
    queries: [
      {
        expr: `time() - max by (alertname, namespace, action, target) (kubemend_fix_applied_timestamp_seconds{${job}})`,
        legend: '{{alertname}} {{namespace}} {{action}} {{target}}',
      },
    ],
  },
];

/** The Grafana dashboard JSON on a Prometheus data source chosen when it is imported. */
export function prometheusDashboard(panels: readonly PanelSpec[] = PROMETHEUS_PANELS): string {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const dashboard = {
    title: 'kubemend (Prometheus)',
    uid: 'kubemend-prometheus',
    tags: ['kubemend'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-24h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels: panels.map((panel, index) => ({
      id: index + 1,
      type: panel.type ?? 'timeseries',
      title: panel.title,
      gridPos: { x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h: 8 },
      datasource,
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.queries.map((query, at) => ({
        refId: String.fromCharCode(65 + at),
        datasource,
        expr: query.expr,
        legendFormat: query.legend,
        ...(panel.type === 'table' ? { instant: true, format: 'table' } : {}),
      })),
    })),
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
