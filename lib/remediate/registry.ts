import { deletePod } from './delete-pod.ts';
import { evictPod } from './evict-pod.ts';
import type { AnyRemediator } from './remediator.ts';
import { rolloutRestart } from './rollout-restart.ts';

/** Every remediator this build knows, by action. Adding one means adding it here. */
export const remediators: readonly AnyRemediator[] = [rolloutRestart, deletePod, evictPod];

export function findRemediator(
  action: string,
  registry: readonly AnyRemediator[] = remediators,
): AnyRemediator | undefined {
  return registry.find((remediator) => remediator.action === action);
}
