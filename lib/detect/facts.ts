import type { V1ContainerStatus, V1DaemonSet, V1Deployment, V1Pod, V1StatefulSet } from '@kubernetes/client-node';

import type { ContainerFacts, PodFacts, RolloutFacts, WorkloadFacts } from '../domain/facts.ts';
import { controllerOf, REVISION_ANNOTATION, rolloutState } from '../kube/objects.ts';
import type { RolloutChange } from './rollout.ts';

/** The facts of a workload a fix may roll, as read now. */
export function workloadFacts(
  kind: WorkloadFacts['kind'],
  workload: V1Deployment | V1StatefulSet | V1DaemonSet,
): WorkloadFacts {
  const generation = workload.metadata?.generation;
  return {
    kind,
    namespace: workload.metadata?.namespace ?? '',
    name: workload.metadata?.name ?? '',
    uid: workload.metadata?.uid,
    resourceVersion: workload.metadata?.resourceVersion,
    revision:
      kind === 'Deployment'
        ? workload.metadata?.annotations?.[REVISION_ANNOTATION]
        : generation === undefined
          ? undefined
          : `generation ${generation}`,
    ...rolloutState(workload),
  };
}

export function podFacts(pod: V1Pod): PodFacts {
  const controller = controllerOf(pod.metadata?.ownerReferences);
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    ...(controller === undefined ? {} : { controller: { kind: controller.kind, name: controller.name } }),
  };
}

/** A container's facts: its restarts and the memory its spec asks for. */
export function containerFacts(pod: V1Pod, status: Pick<V1ContainerStatus, 'name' | 'restartCount'>): ContainerFacts {
  const resources = pod.spec?.containers.find((c) => c.name === status.name)?.resources;
  const limit = resources?.limits?.memory;
  const request = resources?.requests?.memory;
  return {
    name: status.name,
    restarts: status.restartCount,
    ...(limit === undefined ? {} : { memoryLimit: String(limit) }),
    ...(request === undefined ? {} : { memoryRequest: String(request) }),
  };
}

/** A Deployment's latest rollout as facts: the two revisions, whether the problem began with it. */
export function rolloutFacts(change: RolloutChange, beganWithIt: boolean, failingPods: number): RolloutFacts {
  return {
    from: String(change.latest.revision),
    to: String(change.previous.revision),
    beganWithIt,
    failingPods,
    changes: change.changes,
  };
}
