import { deletePod } from './delete-pod.ts';
import { evictPod } from './evict-pod.ts';
import type { AnyRemediator } from './remediator.ts';
import { rolloutRestart } from './rollout-restart.ts';
import { cordonNode } from './cordon-node.ts';
import { drainNode } from './drain-node.ts';
import { expandPvc } from './expand-pvc.ts';
import { raiseHpaMax } from './raise-hpa-max.ts';
import { raiseMemory } from './raise-memory.ts';
import { retryJob } from './retry-job.ts';
import { rolloutUndo } from './rollout-undo.ts';
import { scale } from './scale.ts';

/** Every remediator this build knows, by action. Adding one means adding it here. */
export const remediators: readonly AnyRemediator[] = [
  rolloutRestart,
  rolloutUndo,
  deletePod,
  evictPod,
  scale,
  raiseHpaMax,
  raiseMemory,
  expandPvc,
  retryJob,
  cordonNode,
  drainNode,
];

export function findRemediator(
  action: string,
  registry: readonly AnyRemediator[] = remediators,
): AnyRemediator | undefined {
  return registry.find((remediator) => remediator.action === action);
}
