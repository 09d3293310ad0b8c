import type { Detector } from './detector.ts';
import { diagnosePodProblem } from './pod-problem.ts';
import { observePod, POD_SNAPSHOT_READS, type PodSnapshot } from './pod-snapshot.ts';

export const containerWaiting: Detector<PodSnapshot> = {
  name: 'container-waiting',
  description:
    'KubeContainerWaiting: tells a bad image (with the pull error), a configuration error (the missing ConfigMap, Secret or key) and a crash apart, and ties them to the rollout that introduced them.',
  reads: POD_SNAPSHOT_READS,
  observe: observePod,
  diagnose: (alert, snapshot) => diagnosePodProblem(containerWaiting.name, alert, snapshot),
};
