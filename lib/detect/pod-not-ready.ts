import type { Detector } from './detector.ts';
import {
  diagnosePodProblem,
  POD_PROBLEM_ANOMALIES,
  POD_PROBLEM_SETTLED,
  podProblemAudit,
  type PodProblemAnomaly,
} from './pod-problem.ts';
import { observePod, POD_SNAPSHOT_READS, type PodSnapshot } from './pod-snapshot.ts';

export const podNotReady: Detector<PodSnapshot, PodProblemAnomaly> = {
  name: 'pod-not-ready',
  description:
    'KubePodNotReady: finds why a pod is not ready as Kubernetes judges it — its node lost (unreachable, NotReady or gone), unschedulable (the scheduler’s reason), failing probes, a bad image, a configuration error, a crash, a readiness gate, or its Ready condition alone — and ties what a pod template can cause to the latest rollout.',
  reads: POD_SNAPSHOT_READS,
  anomalies: POD_PROBLEM_ANOMALIES,
  settled: POD_PROBLEM_SETTLED,
  observe: observePod,
  diagnose: (snapshot) => diagnosePodProblem(podNotReady.name, snapshot),
  audit: podProblemAudit,
};
