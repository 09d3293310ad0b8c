import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { forecastFindings } from '../../../lib/audit/forecast.ts';
import { PrometheusUnreachableError } from '../../../lib/errors.ts';
import { loadModelConfig } from '../../../lib/models/model-config.ts';
import type { Sample } from '../../../lib/models/stats.ts';
import type { Series } from '../../../lib/models/history.ts';
import type { PrometheusClient } from '../../../lib/prometheus/client.ts';

const models = loadModelConfig(join(import.meta.dirname, '../../../config/model_config.yaml'));
const now = new Date('2026-11-26T02:20:00Z');
const end = now.getTime() / 1000;

/** Three hours a minute apart, ending now, going linearly from `from` to `to`. */
function rising(from: number, to: number): Sample[] {
  return Array.from({ length: 181 }, (_, minute) => [end - (180 - minute) * 60, from + ((to - from) * minute) / 180]);
}

/** A Prometheus answering the volume forecast query with `volumes` and the quota one with `quotas`. */
function prometheus(volumes: Series[], quotas: Series[] = []) {
  const asked: { query: string; start: Date; end: Date; step: number }[] = [];
  const client: PrometheusClient = {
    instant: async () => [],
    range: async (query, start, stop, step) => {
      asked.push({ query, start, end: stop, step });
      return query.includes('kubelet_volume_stats') ? volumes : query.includes('kube_resourcequota') ? quotas : [];
    },
  };
  return { client, asked };
}

describe('forecastFindings', () => {
  it('reports a volume whose use grows to its capacity within the horizon, before any alert fires', async () => {
    const { client } = prometheus([
      { labels: { namespace: 'data', persistentvolumeclaim: 'data-postgres-0' }, samples: rising(0.7, 0.85) },
    ]);

    const findings = await forecastFindings({ client, models }, now);

    expect(findings).toEqual([
      {
        key: 'PersistentVolumeClaim/data/data-postgres-0/forecast-full',
        detector: 'forecast',
        kind: 'PersistentVolumeClaim',
        namespace: 'data',
        name: 'data-postgres-0',
        anomaly: 'forecast-full',
        summary:
          "PersistentVolumeClaim data-postgres-0: share of a volume's capacity used is 85% and grows 5.00% an hour — at the limit in 3.0 h, before any alert fires",
        confidence: 0.7,
        evidence: [
          {
            source: 'prometheus:volume-used',
            message:
              "share of a volume's capacity used grew 5.0%/h for 3.0 h to 85%, reaching 100% in 3.0 h: likely a leak — raising the limit only postpones it",
          },
        ],
      },
    ]);
  });

  it('names the resource of a quota that will be used up', async () => {
    const { client } = prometheus(
      [],
      [
        {
          labels: { namespace: 'team-a', resourcequota: 'compute', resource: 'requests.memory' },
          samples: rising(0.8, 0.95),
        },
      ],
    );

    const [finding] = await forecastFindings({ client, models }, now);

    expect(finding).toMatchObject({
      key: 'ResourceQuota/team-a/compute (requests.memory)/forecast-full',
      name: 'compute (requests.memory)',
      summary:
        "ResourceQuota compute (requests.memory): share of a ResourceQuota's hard limit used is 95% and grows 5.00% an hour — at the limit in 60 min, before any alert fires",
    });
  });

  it('reports nothing for a flat volume or one that fills beyond the horizon', async () => {
    const { client } = prometheus([
      { labels: { namespace: 'data', persistentvolumeclaim: 'flat' }, samples: rising(0.4, 0.4) },
      { labels: { namespace: 'data', persistentvolumeclaim: 'slow' }, samples: rising(0.1, 0.1015) },
    ]);

    expect(await forecastFindings({ client, models }, now)).toEqual([]);
  });

  it('reads each forecast signal’s whole window at the configured step, once', async () => {
    const { client, asked } = prometheus([]);

    await forecastFindings({ client, models }, now);

    expect(
      asked.map(({ query, start, end: stop, step }) => [query.split('(')[0], start.toISOString(), stop, step]),
    ).toEqual([
      ['topk', '2026-11-25T23:20:00.000Z', now, 60],
      ['topk', '2026-11-25T23:20:00.000Z', now, 60],
    ]);
  });

  it('says it cannot forecast, once per signal, when Prometheus cannot answer, instead of failing', async () => {
    const client: PrometheusClient = {
      instant: async () => [],
      range: async () => {
        throw new PrometheusUnreachableError('prometheus at http://prometheus.monitoring:9090 is unreachable');
      },
    };

    const findings = await forecastFindings({ client, models }, now);

    expect(findings.map((finding) => [finding.key, finding.summary])).toEqual([
      [
        'Prometheus//volume-used/forecast-unavailable',
        "cannot forecast share of a volume's capacity used: prometheus at http://prometheus.monitoring:9090 is unreachable",
      ],
      [
        'Prometheus//quota-used/forecast-unavailable',
        "cannot forecast share of a ResourceQuota's hard limit used: prometheus at http://prometheus.monitoring:9090 is unreachable",
      ],
    ]);
  });
});
