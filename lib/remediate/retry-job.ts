import type { V1Job } from '@kubernetes/client-node';
import * as z from 'zod';

import type { Diagnosis, Plan } from '../domain/types.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { condition } from '../kube/objects.ts';
import { metadataFacts, requireNamespace, type Health, type Refusal, type Remediator } from './remediator.ts';

/** Labels and selector fields the Job controller generates; a re-created Job gets new ones. */
const GENERATED_LABELS = [
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
];

export const RetryJobParamsSchema = z.object({
  /** The failed Job diagnosed: only that one is deleted and re-created. */
  uid: z.string().min(1),
});
export type RetryJobParams = z.infer<typeof RetryJobParamsSchema>;

/**
 * Re-run the failed Job, when its failure came from outside its own code (its deadline passed on
 * a slow day, its pods were evicted): a re-run fails again when its own code or memory failed it.
 * Pure.
 */
function planRetry(diagnosis: Diagnosis): Plan | Refusal {
  const job = diagnosis.facts.job;
  if (job === undefined) return { refused: 'the diagnosis names no Job', fits: false };
  if (!job.failed) return { refused: `job ${job.name} has not failed`, fits: true };
  if (job.oomKilled) {
    return { refused: `job ${job.name}'s containers were OOM-killed: a re-run fails the same way`, fits: true };
  }
  if (job.reason !== 'DeadlineExceeded' && !job.evicted) {
    return {
      refused: `job ${job.name} failed by its own pods (${job.reason ?? 'failed'}): a re-run would fail again`,
      fits: true,
    };
  }
  return {
    action: 'retry-job',
    target: { kind: 'Job', namespace: job.namespace, name: job.name, uid: job.uid },
    params: { uid: job.uid } satisfies RetryJobParams,
    reason: `job ${job.name} failed for a reason outside its code (${job.reason === 'DeadlineExceeded' ? job.reason : 'evicted'}): a new run may pass`,
  };
}

/** After the re-run was created: healthy when it completes, failed when it fails. Pure. */
export function rerunHealth(job: V1Job): Health {
  const failed = condition(job.status?.conditions, 'Failed');
  if (failed?.status === 'True') {
    return { state: 'failed', detail: `the new run failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim() };
  }
  if (condition(job.status?.conditions, 'Complete')?.status === 'True') {
    return { state: 'healthy', detail: `the new run completed (${job.status?.succeeded ?? 0} succeeded)` };
  }
  return { state: 'progressing', detail: `${job.status?.active ?? 0} active, ${job.status?.succeeded ?? 0} succeeded` };
}

function withoutGenerated(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([key]) => !GENERATED_LABELS.includes(key)));
}

/** A fresh Job with the failed one's name, labels, annotations and template (no selector, no status). */
export function freshJob(job: V1Job): V1Job {
  const spec = structuredClone(job.spec!);
  delete spec.selector;
  delete spec.manualSelector;
  spec.template.metadata = { ...spec.template.metadata, labels: withoutGenerated(spec.template.metadata?.labels) };
  return {
    metadata: {
      name: job.metadata?.name,
      namespace: job.metadata?.namespace,
      labels: withoutGenerated(job.metadata?.labels),
      annotations: job.metadata?.annotations,
    },
    spec,
  };
}

/** The re-created Job's name: derived from the failed one's uid, so a second run finds it. */
export function retryName(name: string, uid: string): string {
  const suffix = `-retry-${uid.replace(/-/g, '').slice(0, 5)}`;
  return `${name.slice(0, 63 - suffix.length)}${suffix}`;
}

export const retryJob: Remediator<RetryJobParams> = {
  action: 'retry-job',
  description:
    'Re-runs a failed Job: creates a copy from its template (named <job>-retry-<uid>), then deletes the failed Job and its pods; for failures a new run may not repeat (evictions, node loss, a dependency that recovered).',
  needs: ['job'],
  paramsSchema: RetryJobParamsSchema,
  fromLive: (live) => (live.metadata?.uid === undefined ? {} : { uid: live.metadata.uid }),
  permissions: [{ apiGroup: 'batch', resource: 'jobs', verbs: ['get', 'create', 'delete'] }],
  supportsDryRun: true,
  verify: 'the new Job completes; a new failure fails it',
  undo: 'none possible: a Job run cannot be undone (delete the new Job to stop it)',
  plan: (diagnosis) => planRetry(diagnosis),
  inspect: async (plan, kube) => {
    const job = await kube.read('Job', plan.target.name, requireNamespace(plan));
    let blocker: string | undefined;
    if (job.metadata?.uid !== plan.target.uid) blocker = 'the Job was re-created since it was diagnosed';
    else if (condition(job.status?.conditions, 'Failed')?.status !== 'True') blocker = 'the Job has not failed';
    return { ...metadataFacts(job), blocker };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const namespace = requireNamespace(plan);
    const name = retryName(plan.target.name, params.uid);
    const what = `failed job ${namespace}/${plan.target.name} as job ${name}`;
    // The new Job first, then the failed one goes: a crash in between leaves both, and a second
    // run finds the new Job (same name) and finishes by deleting the failed one.
    let created = true;
    try {
      const failed = await kube.read('Job', plan.target.name, namespace);
      if (failed.metadata?.uid !== params.uid)
        throw new NotFoundError(`job ${namespace}/${plan.target.name} was replaced`);
      const fresh = freshJob(failed);
      await kube.create('Job', { ...fresh, metadata: { ...fresh.metadata, name } }, { dryRun });
    } catch (error) {
      if (!(error instanceof ConflictError) && !(error instanceof NotFoundError && !dryRun)) throw error;
      created = false;
    }
    try {
      await kube.remove('Job', plan.target.name, namespace, { dryRun, uid: params.uid });
    } catch (error) {
      if (dryRun || !(error instanceof NotFoundError || error instanceof ConflictError)) throw error;
    }
    return {
      change: dryRun
        ? `would re-run ${what} and delete the failed one with its pods`
        : `re-ran ${what}${created ? '' : ' (created by an earlier run)'} and deleted the failed one with its pods`,
      diff: [
        `job ${namespace}/${name}: created from the template of ${plan.target.name}`,
        `job ${namespace}/${plan.target.name}: deleted`,
      ],
      undo: { job: name },
    };
  },
  check: async (plan, params, kube) =>
    rerunHealth(await kube.read('Job', retryName(plan.target.name, params.uid), requireNamespace(plan))),
};
