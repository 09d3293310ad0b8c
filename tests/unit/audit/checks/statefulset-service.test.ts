import { describe, expect, it } from '@jest/globals';
import type { V1Service } from '@kubernetes/client-node';

import { checkStatefulSetService, statefulSetService } from '../../../../lib/audit/checks/statefulset-service.ts';
import { createListing } from '../../../../lib/kube/listing.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { postgresStatefulSet } from '../../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** The headless Service `name` in `namespace`, as a StatefulSet's governing Service is declared. */
function headless(name: string, namespace: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `svc-${namespace}-${name}` },
    spec: { clusterIP: 'None', selector: { app: 'postgres' }, ports: [{ name: 'postgres', port: 5432 }] },
  };
}

describe('checkStatefulSetService', () => {
  it('reports a StatefulSet whose governing Service does not exist in its namespace', () => {
    expect(checkStatefulSetService(postgresStatefulSet(), [headless('postgres', 'data-staging')])).toEqual([
      {
        key: 'StatefulSet/data/postgres/missing-governing-service',
        detector: 'audit',
        kind: 'StatefulSet',
        namespace: 'data',
        name: 'postgres',
        anomaly: 'missing-governing-service',
        summary:
          'statefulset postgres names governing service postgres, which does not exist: its pods get no stable network identity (DNS names)',
        confidence: 0.8,
        evidence: [{ source: 'statefulset', message: 'spec.serviceName: postgres' }],
      },
    ]);
  });

  it('finds nothing wrong when the Service exists in the StatefulSet’s namespace', () => {
    expect(checkStatefulSetService(postgresStatefulSet(), [headless('postgres', 'data')])).toEqual([]);
  });

  it('finds nothing wrong with a StatefulSet that names no governing Service', () => {
    const sts = postgresStatefulSet();
    sts.spec!.serviceName = '';

    expect(checkStatefulSetService(sts, [])).toEqual([]);
  });
});

describe('statefulSetService check', () => {
  it('checks every listed StatefulSet against the listed Services', async () => {
    const listing = createListing({ StatefulSet: [postgresStatefulSet()], Service: [] });

    const findings = await statefulSetService.check(listing, { kube: new FakeKube(), now });

    expect(findings.map((finding) => finding.anomaly)).toEqual(['missing-governing-service']);
  });
});
