import { describe, expect, it } from '@jest/globals';

import { kindNamed } from '../../../lib/kube/kinds.ts';

describe('kind names, as kubectl reads them', () => {
  it('takes the kind in any case, its resource, the singular and the short name', () => {
    expect(['Deployment', 'deployment', 'deployments', 'deploy'].map(kindNamed)).toEqual([
      'Deployment',
      'Deployment',
      'Deployment',
      'Deployment',
    ]);
    expect(['sts', 'ds', 'po', 'no', 'pvc', 'hpa', 'jobs', 'storageclass'].map(kindNamed)).toEqual([
      'StatefulSet',
      'DaemonSet',
      'Pod',
      'Node',
      'PersistentVolumeClaim',
      'HorizontalPodAutoscaler',
      'Job',
      'StorageClass',
    ]);
    expect(kindNamed('deploymnt')).toBeUndefined();
  });
});
