import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';

import type { Diagnosis, Plan } from '../domain/types.ts';
import { NotFoundError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, selectorString } from '../kube/objects.ts';
import { objectDiff } from './object-diff.ts';
import { metadataFacts, requireNamespace, type Refusal, type Remediator } from './remediator.ts';
import { ROLLOUT_CHECK_READS, workloadRolloutHealth } from './rollout-status.ts';

export const RolloutUndoParamsSchema = z.object({
  /** The revision diagnosed as bad; the rollback is refused if the Deployment moved on since. */
  fromRevision: z.string().min(1),
  /** The revision whose pod template is restored. */
  toRevision: z.string().min(1),
});
export type RolloutUndoParams = z.infer<typeof RolloutUndoParamsSchema>;

/**
 * Roll the Deployment back to the revision before its latest, when the problem began with the
 * latest and its pods fail (a rollback does not help a problem older than the rollout). Pure.
 */
function planUndo(diagnosis: Diagnosis): Plan | Refusal {
  const { workload, rollout } = diagnosis.facts;
  if (workload?.kind !== 'Deployment' || rollout === undefined) {
    return { refused: 'the diagnosis names no Deployment rollout to roll back', fits: false };
  }
  if (!rollout.beganWithIt) {
    return {
      refused: `the problem did not begin with revision ${rollout.from}: a rollback would not help`,
      fits: true,
    };
  }
  if (rollout.failingPods === 0) {
    return { refused: `no pod of revision ${rollout.from} reports a problem: nothing to roll back from`, fits: true };
  }
  return {
    action: 'rollout-undo',
    target: {
      kind: 'Deployment',
      namespace: workload.namespace,
      name: workload.name,
      ...(workload.uid === undefined ? {} : { uid: workload.uid }),
    },
    params: { fromRevision: rollout.from, toRevision: rollout.to } satisfies RolloutUndoParams,
    reason: `the pods of revision ${rollout.from} fail (${diagnosis.anomaly}) since it rolled out; revision ${rollout.to} ran before it`,
  };
}

/** The Deployment controller's record of the revisions a ReplicaSet had before a rollback renumbered it. */
const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';

/** Whether the ReplicaSet is, or was before a rollback, at `revision`. */
function hasRevision(rs: V1ReplicaSet, revision: string): boolean {
  const annotations = rs.metadata?.annotations ?? {};
  if (annotations[REVISION_ANNOTATION] === revision) return true;
  return (annotations[REVISION_HISTORY_ANNOTATION] ?? '').split(',').some((past) => past.trim() === revision);
}

/** The Deployment's ReplicaSet at `revision`. */
async function revisionReplicaSet(kube: KubeApi, deployment: V1Deployment, revision: string): Promise<V1ReplicaSet> {
  const namespace = deployment.metadata?.namespace ?? '';
  const owned = await kube.list('ReplicaSet', {
    namespace,
    labelSelector: selectorString(deployment.spec?.selector),
    max: 500,
  });
  // A rollback to an old ReplicaSet renumbers it (revision 2 becomes 4) and keeps the old number
  // in its revision history: a second run of the same rollback finds it by either.
  const found = owned.find(
    (rs) =>
      hasRevision(rs, revision) &&
      rs.metadata?.ownerReferences?.some((o) => o.controller === true && o.uid === deployment.metadata?.uid) === true,
  );
  if (found === undefined) {
    throw new NotFoundError(
      `revision ${revision} of deployment ${namespace}/${deployment.metadata?.name ?? ''} (its ReplicaSet was pruned by revisionHistoryLimit)`,
    );
  }
  return found;
}

/** A ReplicaSet's pod template as the Deployment would carry it (without the controller's hash label). */
function templateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  const labels = { ...template.metadata?.labels };
  // The controller's hash label is never copied back into the Deployment's template.
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...template, metadata: { ...template.metadata, labels } };
}

/**
 * Replaces the Deployment's pod template with that of `revision`, as `kubectl rollout undo`
 * does, conditional on the Deployment being unchanged since it was read (a JSON patch `test`).
 */
async function rollTo(
  kube: KubeApi,
  namespace: string,
  name: string,
  revision: string,
  dryRun: boolean,
): Promise<{ before: V1Deployment; after: V1Deployment; already: boolean }> {
  const before = await kube.getDeployment(namespace, name);
  const template = templateOf(await revisionReplicaSet(kube, before, revision));
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(before.spec?.template)), JSON.parse(JSON.stringify(template)))) {
    return { before, after: before, already: true };
  }
  const after = await kube.jsonPatchDeployment(
    namespace,
    name,
    [
      { op: 'test', path: '/metadata/resourceVersion', value: before.metadata?.resourceVersion },
      { op: 'replace', path: '/spec/template', value: template },
    ],
    { dryRun },
  );
  return { before, after, already: false };
}

export const rolloutUndo: Remediator<RolloutUndoParams> = {
  action: 'rollout-undo',
  description:
    'Rolls a Deployment back to an earlier revision by restoring that ReplicaSet’s pod template, as `kubectl rollout undo` does; refused when paused or when the Deployment moved to another revision since the diagnosis.',
  needs: ['workload', 'rollout'],
  paramsSchema: RolloutUndoParamsSchema,
  // The revision it runs now; the one to go back to is the person's choice (--param toRevision=…).
  fromLive: (live) => {
    const revision = live.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    return revision === undefined ? {} : { fromRevision: revision };
  },
  permissions: [
    { apiGroup: 'apps', resource: 'deployments', verbs: ['get', 'patch'] },
    { apiGroup: 'apps', resource: 'replicasets', verbs: ['list'] },
    ...ROLLOUT_CHECK_READS,
  ],
  supportsDryRun: true,
  verify:
    'every replica runs the restored template and is available; a new pod stuck (crash loop, image pull) fails it',
  undo: 'roll forward to the revision it replaced (that ReplicaSet’s template)',
  plan: (diagnosis) => planUndo(diagnosis),
  inspect: async (plan, kube) => {
    const deployment = await kube.getDeployment(requireNamespace(plan), plan.target.name);
    const params = RolloutUndoParamsSchema.parse(plan.params);
    const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
    let blocker: string | undefined;
    if (deployment.spec?.paused === true) blocker = 'the Deployment is paused; a rollback would not roll out';
    else if (revision !== params.fromRevision) {
      blocker = `the Deployment moved to revision ${revision ?? '?'} since the diagnosis (revision ${params.fromRevision}); not rolling back`;
    }
    return { ...metadataFacts(deployment), blocker };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const namespace = requireNamespace(plan);
    const { before, after, already } = await rollTo(kube, namespace, plan.target.name, params.toRevision, dryRun);
    const what = `deployment ${namespace}/${plan.target.name} from revision ${params.fromRevision} to the template of revision ${params.toRevision}`;
    return {
      change: already ? `${what}: already rolled back` : `${dryRun ? 'would roll back' : 'rolled back'} ${what}`,
      diff: already ? [] : objectDiff(before, after),
      undo: { revision: params.fromRevision },
    };
  },
  check: (plan, _params, kube, _applied, appliedAt) =>
    workloadRolloutHealth(kube, 'Deployment', requireNamespace(plan), plan.target.name, appliedAt),
  revert: async (plan, params, kube) => {
    const namespace = requireNamespace(plan);
    const { already } = await rollTo(kube, namespace, plan.target.name, params.fromRevision, false);
    return `deployment ${namespace}/${plan.target.name} ${already ? 'already ran' : 'rolled forward to'} the template of revision ${params.fromRevision}`;
  },
};
