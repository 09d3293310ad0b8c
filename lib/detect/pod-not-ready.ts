import type { Detector } from './detector.ts';
import { diagnosePodProblem } from './pod-problem.ts';
import { observePod, POD_SNAPSHOT_READS, type PodSnapshot } from './pod-snapshot.ts';

export const podNotReady: Detector<PodSnapshot> = {
  name: 'pod-not-ready',
  description:
    'KubePodNotReady: finds why a pod is not ready — unschedulable (the scheduler’s reason), failing probes, a bad image, a configuration error or a crash — and ties it to the latest rollout.',
  reads: POD_SNAPSHOT_READS,
  observe: observePod,
  diagnose: (alert, snapshot) => diagnosePodProblem(podNotReady.name, alert, snapshot),
};
