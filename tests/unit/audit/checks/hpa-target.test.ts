import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';

import { checkHpaTarget, hpaTarget } from '../../../../lib/audit/checks/hpa-target.ts';
import { createListing } from '../../../../lib/kube/listing.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { deployment, postgresStatefulSet, storefrontHpa } from '../../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** Deployment web/storefront, the HPA's target, whose container requests `requests`. */
function storefront(requests: Record<string, string> = { cpu: '250m', memory: '256Mi' }): V1Deployment {
  const target = deployment();
  target.metadata = {
    ...target.metadata,
    name: 'storefront',
    namespace: 'web',
    uid: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  };
  target.spec!.template.spec!.containers[0]!.resources = { requests };
  return target;
}

function targeting(kind: string, name: string) {
  const hpa = storefrontHpa('within-range');
  hpa.spec.scaleTargetRef = { apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1', kind, name };
  return hpa;
}

const none = { deployments: [], statefulSets: [], replicaSets: [] };

describe('checkHpaTarget', () => {
  it('finds nothing wrong with an HPA whose target exists and requests what it scales on', () => {
    expect(checkHpaTarget(storefrontHpa(), { ...none, deployments: [storefront()] })).toEqual([]);
  });

  it('reports an HPA whose target does not exist', () => {
    expect(checkHpaTarget(storefrontHpa(), none)).toEqual([
      {
        key: 'HorizontalPodAutoscaler/web/storefront/hpa-missing-target',
        detector: 'audit',
        kind: 'HorizontalPodAutoscaler',
        namespace: 'web',
        name: 'storefront',
        anomaly: 'hpa-missing-target',
        summary: 'HPA storefront targets Deployment storefront, which does not exist',
        confidence: 0.8,
        evidence: [{ source: 'horizontalpodautoscaler', message: 'scaleTargetRef: Deployment/storefront' }],
      },
    ]);
  });

  it('counts a target of the same name in another namespace as missing', () => {
    const elsewhere = storefront();
    elsewhere.metadata!.namespace = 'web-staging';

    expect(checkHpaTarget(storefrontHpa(), { ...none, deployments: [elsewhere] })[0]?.anomaly).toBe(
      'hpa-missing-target',
    );
  });

  it('reports an HPA targeting a kind it cannot scale here', () => {
    expect(checkHpaTarget(targeting('CronJob', 'nightly-report'), none)[0]).toMatchObject({
      anomaly: 'hpa-invalid-target',
      summary: 'HPA storefront targets a CronJob, which it cannot scale here (Deployment, StatefulSet or ReplicaSet)',
    });
  });

  it('reports an HPA scaling on CPU of a target whose containers request no CPU', () => {
    expect(
      checkHpaTarget(storefrontHpa(), { ...none, deployments: [storefront({ memory: '256Mi' })] })[0],
    ).toMatchObject({
      anomaly: 'hpa-missing-requests',
      summary:
        'HPA storefront scales on cpu but containers of Deployment storefront request none: utilisation cannot be computed',
      evidence: [{ source: 'horizontalpodautoscaler', message: 'no cpu request in Deployment storefront' }],
    });
  });

  it('asks every container of the target for the request, sidecars included', () => {
    const target = storefront();
    target.spec!.template.spec!.containers.push({ name: 'envoy', image: 'registry.example/envoy:1.31.2' });

    expect(checkHpaTarget(storefrontHpa(), { ...none, deployments: [target] })[0]?.anomaly).toBe(
      'hpa-missing-requests',
    );
  });

  it('finds a StatefulSet target among the StatefulSets', () => {
    const sts = postgresStatefulSet();
    sts.metadata!.namespace = 'web';
    sts.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '1' } };
    const hpa = targeting('StatefulSet', 'postgres');

    expect(checkHpaTarget(hpa, { ...none, statefulSets: [sts] })).toEqual([]);
  });

  it('asks for no request when the HPA scales on other metrics than resources', () => {
    const hpa = storefrontHpa();
    hpa.spec.metrics = [
      {
        type: 'Pods',
        pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '100' } },
      },
    ];

    expect(checkHpaTarget(hpa, { ...none, deployments: [storefront({})] })).toEqual([]);
  });
});

describe('hpaTarget check', () => {
  it('checks every listed HPA against the listed workloads', async () => {
    const listing = createListing({ HorizontalPodAutoscaler: [storefrontHpa()], Deployment: [storefront({})] });

    const findings = await hpaTarget.check(listing, { kube: new FakeKube(), now });

    expect(findings.map((finding) => finding.anomaly)).toEqual(['hpa-missing-requests']);
  });
});
