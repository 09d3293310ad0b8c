import { containerWaiting } from './container-waiting.ts';
import { cpuThrottling } from './cpu-throttling.ts';
import { crashLoop } from './crash-loop.ts';
import { daemonSetHealth } from './daemonset-health.ts';
import { deploymentHealth } from './deployment-health.ts';
import { hpaHealth } from './hpa-health.ts';
import { jobHealth } from './job-health.ts';
import { nodeHealth } from './node-health.ts';
import { pdbHealth } from './pdb-health.ts';
import { pvcFilling } from './pvc-filling.ts';
import { quotaHealth } from './quota-health.ts';
import { statefulSetHealth } from './statefulset-health.ts';
import type { AnyDetector } from './detector.ts';
import { podNotReady } from './pod-not-ready.ts';

/** Every detector this build knows, by name. Which alert runs which is in config/agent_config.yaml. */
export const detectors: readonly AnyDetector[] = [
  crashLoop,
  containerWaiting,
  podNotReady,
  deploymentHealth,
  jobHealth,
  nodeHealth,
  hpaHealth,
  pvcFilling,
  statefulSetHealth,
  daemonSetHealth,
  pdbHealth,
  quotaHealth,
  cpuThrottling,
];

export function findDetector(name: string, registry: readonly AnyDetector[] = detectors): AnyDetector | undefined {
  return registry.find((detector) => detector.name === name);
}
