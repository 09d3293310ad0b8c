import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';

import { cronScheduleProblem } from '../../../lib/audit/checks/cron-schedule.ts';
import { checkCronJob } from '../../../lib/audit/checks/cronjob-config.ts';
import { checkHpaTarget } from '../../../lib/audit/checks/hpa-target.ts';
import { checkReplicaSet } from '../../../lib/audit/checks/replicaset-failure.ts';
import { checkStatefulSetService } from '../../../lib/audit/checks/statefulset-service.ts';
import { checkStatefulSetStorage } from '../../../lib/audit/checks/statefulset-storage.ts';
import { podCauses } from '../../../lib/detect/pod-causes.ts';
import { crashingPod, deployment } from '../../helpers/fixtures.ts';

describe('audit checks', () => {
  it.each([
    ['*/5 * * * *', undefined],
    ['0 3 * * mon-fri', undefined],
    ['@daily', undefined],
    ['CRON_TZ=Europe/Paris 0 9 1 jan *', undefined],
    ['0 3 * *', 'expected 5 fields, got 4'],
    ['61 * * * *', '61 is out of range for the minute field (0–59)'],
    ['0 3 * * funday', '"funday" is not valid in the day of week field'],
    ['*/x * * * *', 'bad step "x" in the minute field'],
  ])('validates the cron schedule %s', (schedule, problem) => {
    expect(cronScheduleProblem(schedule)).toBe(problem);
  });

  it('reports a suspended CronJob and a negative starting deadline', () => {
    const findings = checkCronJob({
      metadata: { name: 'report', namespace: 'ops' },
      spec: { schedule: '0 3 * * *', suspend: true, startingDeadlineSeconds: -1, jobTemplate: {} },
    });

    expect(findings.map((finding) => finding.anomaly)).toEqual(['cronjob-suspended', 'cronjob-negative-deadline']);
  });

  it('reports a StatefulSet claiming a storage class that does not exist', () => {
    const findings = checkStatefulSetStorage(
      {
        metadata: { name: 'db', namespace: 'ops' },
        spec: {
          serviceName: 'db',
          selector: {},
          template: {},
          volumeClaimTemplates: [{ spec: { storageClassName: 'premium' } }],
        },
      },
      [{ metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com' }],
    );

    expect(findings[0]?.summary).toBe(
      'statefulset db claims volumes of storage class premium, which does not exist: its pods cannot start',
    );
  });

  it('reports a StatefulSet whose governing Service does not exist in its namespace', () => {
    const sts = { metadata: { name: 'db', namespace: 'ops' }, spec: { serviceName: 'db', selector: {}, template: {} } };
    const elsewhere = { metadata: { name: 'db', namespace: 'other' } };

    expect(checkStatefulSetService(sts, [elsewhere]).map((f) => f.summary)).toEqual([
      'statefulset db names governing service db, which does not exist: its pods get no stable network identity (DNS names)',
    ]);
    expect(checkStatefulSetService(sts, [elsewhere, { metadata: { name: 'db', namespace: 'ops' } }])).toEqual([]);
    expect(checkStatefulSetService({ ...sts, spec: { ...sts.spec, serviceName: '' } }, [])).toEqual([]);
  });

  it('reports a bare ReplicaSet that cannot create pods, and leaves Deployment-owned ones to the Deployment check', () => {
    const failing = {
      metadata: { name: 'legacy', namespace: 'ops' },
      status: {
        replicas: 0,
        conditions: [
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message: 'pods "legacy-x" is forbidden: exceeded quota',
          },
        ],
      },
    };

    expect(checkReplicaSet(failing)[0]?.anomaly).toBe('replica-failure');
    expect(
      checkReplicaSet({
        ...failing,
        metadata: {
          ...failing.metadata,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }],
        },
      }),
    ).toEqual([]);
  });

  it('reports an HPA whose target is missing, unscalable, or requests nothing to scale on', () => {
    const hpa = (kind: string, name: string) => ({
      metadata: { name: 'api', namespace: 'payments' },
      spec: {
        maxReplicas: 5,
        scaleTargetRef: { kind, name },
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }],
      },
    });
    const noRequests: V1Deployment = deployment();

    const workloads = { deployments: [noRequests], statefulSets: [], replicaSets: [] };

    expect(checkHpaTarget(hpa('Deployment', 'gone'), workloads)[0]?.anomaly).toBe('hpa-missing-target');
    expect(checkHpaTarget(hpa('CronJob', 'x'), workloads)[0]?.anomaly).toBe('hpa-invalid-target');
    expect(checkHpaTarget(hpa('Deployment', 'checkout'), workloads)[0]?.summary).toBe(
      'HPA api scales on cpu but containers of Deployment checkout request none: utilisation cannot be computed',
    );
  });

  it('classifies evicted and scheduling-gated pods', () => {
    const evicted = crashingPod();
    evicted.status = { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
    const gated = crashingPod();
    gated.spec!.schedulingGates = [{ name: 'example.com/quota-check' }];
    gated.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
    };

    expect(podCauses(evicted, [])[0]?.summary).toBe(
      'the kubelet evicted the pod: The node was low on resource: memory.',
    );
    expect(podCauses(gated, [])[0]?.summary).toBe(
      'the pod waits for its scheduling gates to be removed (example.com/quota-check)',
    );
  });
});
