import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';

import { ConfigError } from '../../../lib/errors.ts';
import type { MetricsHistory } from '../../../lib/models/history.ts';
import { metricsSources } from '../../../lib/models/consult.ts';
import { loadModelConfig } from '../../../lib/models/model-config.ts';

const models = loadModelConfig(join(import.meta.dirname, '../../../config/model_config.yaml'));
const prometheus: MetricsHistory = { instant: async () => [], range: async () => [] };
/** Only the cluster named `with-prometheus` has a Prometheus; the clusters asked for, in order. */
function clients() {
  const asked: (string | undefined)[] = [];
  const clientFor = (cluster: string | undefined) => {
    asked.push(cluster);
    return cluster === 'with-prometheus' ? prometheus : undefined;
  };
  return { asked, clientFor };
}

describe('metricsSources', () => {
  it("gives each cluster with a Prometheus its client and the models, building each cluster's client once", () => {
    const { asked, clientFor } = clients();
    const sourceFor = metricsSources(clientFor, models);

    expect(sourceFor('with-prometheus')).toEqual({ client: prometheus, models });
    expect(sourceFor('with-prometheus')).toEqual({ client: prometheus, models });
    expect(sourceFor('without')).toBeUndefined();
    expect(asked).toEqual(['with-prometheus', 'without']);
  });

  it('consults nothing without models', () => {
    const { asked, clientFor } = clients();
    expect(metricsSources(clientFor, undefined)('with-prometheus')).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('calls a models loader only when a cluster has a Prometheus, and keeps what it loaded', () => {
    const { clientFor } = clients();
    let loads = 0;
    const sourceFor = metricsSources(clientFor, () => {
      loads += 1;
      return models;
    });

    expect(sourceFor('without')).toBeUndefined();
    expect(loads).toBe(0);
    expect(sourceFor('with-prometheus')).toEqual({ client: prometheus, models });
    expect(sourceFor('with-prometheus')).toEqual({ client: prometheus, models });
    expect(loads).toBe(1);
  });

  it('lets a failing loader fail the cluster that needs the models, and tries it again next time', () => {
    const { clientFor } = clients();
    let attempts = 0;
    const sourceFor = metricsSources(clientFor, () => {
      attempts += 1;
      if (attempts === 1) throw new ConfigError('model config config/model_config.yaml: bad');
      return models;
    });

    expect(sourceFor('without')).toBeUndefined();
    expect(() => sourceFor('with-prometheus')).toThrow('model config config/model_config.yaml: bad');
    expect(sourceFor('with-prometheus')).toEqual({ client: prometheus, models });
    expect(attempts).toBe(2);
  });
});
