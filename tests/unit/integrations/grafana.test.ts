import { describe, expect, it } from '@jest/globals';

import { prometheusDashboard, PROMETHEUS_PANELS } from '../../../lib/integrations/grafana.ts';
import { prometheusMetrics } from '../../../lib/observe/prometheus.ts';

describe('the Grafana dashboard on Prometheus', () => {
  it('queries only series kubemend serve exports, by the job the scrape config names', () => {
    const exported = new Set(
      [
        ...prometheusMetrics()
          .render()
          .matchAll(/^# TYPE (\S+) /gm),
      ]
        .map((match) => match[1]!)
        .concat('up'),
    );
    const queried = PROMETHEUS_PANELS.flatMap((panel) => panel.queries).flatMap((query) => [
      ...query.expr.matchAll(/\b(kubemend_[a-z_]+|up)\{job="kubemend"\}/g),
    ]);

    expect(queried.length).toBeGreaterThan(10);
    for (const [, name] of queried) expect(exported).toContain(name);
    // Every series of every query is scoped to the job.
    for (const query of PROMETHEUS_PANELS.flatMap((panel) => panel.queries)) {
      expect(query.expr.match(/\b(?:kubemend_[a-z_]+|up)\b(?!\{job="kubemend"\})/g)).toBeNull();
    }
  });

  it('asks for a Prometheus data source when imported, and holds each query in its panel', () => {
    const dashboard = JSON.parse(prometheusDashboard()) as {
      templating: { list: { type: string; query: string }[] };
      panels: { datasource: { type: string }; targets: { expr: string }[] }[];
    };

    expect(dashboard.templating.list).toEqual([expect.objectContaining({ type: 'datasource', query: 'prometheus' })]);
    expect(dashboard.panels).toHaveLength(PROMETHEUS_PANELS.length);
    expect(dashboard.panels.every((panel) => panel.datasource.type === 'prometheus')).toBe(true);
    expect(dashboard.panels.map((panel) => panel.targets.map((target) => target.expr))).toEqual(
      PROMETHEUS_PANELS.map((panel) => panel.queries.map((query) => query.expr)),
    );
  });
});
