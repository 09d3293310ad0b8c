import type { Detector } from './detector.ts';
import {
  diagnosePodProblem,
  POD_PROBLEM_ANOMALIES,
  POD_PROBLEM_SETTLED,
  type PodProblemAnomaly,
} from './pod-problem.ts';
import { observePod, POD_SNAPSHOT_READS, type PodSnapshot } from './pod-snapshot.ts';

export const containerWaiting: Detector<PodSnapshot, PodProblemAnomaly> = {
  name: 'container-waiting',
  description:
    'KubeContainerWaiting: tells a bad image (with the pull error), a configuration error (the missing ConfigMap, Secret or key) and a crash apart, and ties them to the rollout that introduced them.',
  reads: POD_SNAPSHOT_READS,
  anomalies: POD_PROBLEM_ANOMALIES,
  settled: POD_PROBLEM_SETTLED,
  observe: observePod,
  diagnose: (snapshot) => diagnosePodProblem(containerWaiting.name, snapshot),
};
