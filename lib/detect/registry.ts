import { containerWaiting } from './container-waiting.ts';
import { crashLoop } from './crash-loop.ts';
import { deploymentHealth } from './deployment-health.ts';
import { hpaHealth } from './hpa-health.ts';
import { jobHealth } from './job-health.ts';
import { nodeHealth } from './node-health.ts';
import { pvcFilling } from './pvc-filling.ts';
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
];

export function findDetector(name: string, registry: readonly AnyDetector[] = detectors): AnyDetector | undefined {
  return registry.find((detector) => detector.name === name);
}
