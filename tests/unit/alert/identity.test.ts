import { describe, expect, it } from '@jest/globals';

import { alertCluster, alertId, dedupeAlerts } from '../../../lib/alert/identity.ts';
import { alertFixture, webhookFixture } from '../../helpers/fixtures.ts';

describe('alert identity', () => {
  it('identifies an instance by fingerprint and startsAt', () => {
    expect(alertId(alertFixture())).toBe('db557f6812d5890b@2026-11-26T02:14:05.123Z');
  });

  it('treats the same alert firing again later as a new instance', () => {
    const first = alertFixture();
    const again = { ...first, startsAt: '2026-11-26T09:00:00Z' };

    expect(alertId(again)).not.toBe(alertId(first));
  });

  it('gives the resolved notification the same identity as the firing one', () => {
    expect(alertId(alertFixture('resolved.json'))).toBe(alertId(alertFixture()));
  });

  it('reads the cluster from the configured label and treats an empty one as absent', () => {
    const alert = alertFixture();

    expect(alertCluster(alert, 'cluster')).toBe('prod-eu-west-1');
    expect(alertCluster(alert, 'eks_cluster')).toBeUndefined();
    expect(alertCluster({ labels: { cluster: '' } }, 'cluster')).toBeUndefined();
  });

  it('drops repeats of an instance inside one webhook and keeps distinct ones', () => {
    const grouped = webhookFixture('grouped-namespace.json').alerts;

    const { unique, duplicates } = dedupeAlerts([...grouped, grouped[0]!]);

    expect(unique).toHaveLength(3);
    expect(duplicates).toBe(1);
  });
});
