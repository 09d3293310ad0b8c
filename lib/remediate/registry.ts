import * as z from 'zod';

import { cordonNode } from './cordon-node.ts';
import { deletePod } from './delete-pod.ts';
import { drainNode } from './drain-node.ts';
import { evictPod } from './evict-pod.ts';
import { expandPvc } from './expand-pvc.ts';
import { raiseHpaMax } from './raise-hpa-max.ts';
import { raiseMemory } from './raise-memory.ts';
import type { AnyRemediator } from './remediator.ts';
import { retryJob } from './retry-job.ts';
import { rolloutRestart } from './rollout-restart.ts';
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

/** The limits every fix keeps to, as the config's `limits`: each remediator's own schema, merged. */
export function limitsSchemaOf(registry: readonly AnyRemediator[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const remediator of registry) Object.assign(shape, remediator.limits?.shape ?? {});
  return z.object(shape).strict();
}

/** Numeric bounds the fixes stay within (`defaults.limits`, and a rule's `limits` over them). */
export const LimitsSchema = limitsSchemaOf(remediators);
export type Limits = z.infer<typeof LimitsSchema>;
