import { containerWaiting } from './container-waiting.ts';
import { crashLoop } from './crash-loop.ts';
import type { AnyDetector } from './detector.ts';
import { podNotReady } from './pod-not-ready.ts';

/** Every detector this build knows, by name. Which alert runs which is in config/agent_config.yaml. */
export const detectors: readonly AnyDetector[] = [crashLoop, containerWaiting, podNotReady];

export function findDetector(name: string, registry: readonly AnyDetector[] = detectors): AnyDetector | undefined {
  return registry.find((detector) => detector.name === name);
}
