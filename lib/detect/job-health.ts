import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { planRetryJob } from '../remediate/retry-job.ts';
import type { Detector } from './detector.ts';
import { age, condition, gone } from './k8s-util.ts';
import { podCauses } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';

export interface JobSnapshot {
  namespace: string;
  name: string;
  job: V1Job | null;
  pods: V1Pod[];
  events: CoreV1Event[];
}

export const jobHealth: Detector<JobSnapshot> = {
  name: 'job-health',
  description:
    'KubeJobFailed, KubeJobNotCompleted: why a Job failed (backoff limit or deadline, with its pods’ exit codes, OOM kills, bad images) or why it is still running (unschedulable or failing pods), and which CronJob owns it.',
  reads: [
    { apiGroup: 'batch', resource: 'jobs', verbs: ['get'] },
    { apiGroup: '', resource: 'pods', verbs: ['list'] },
    { apiGroup: '', resource: 'events', verbs: ['list'] },
  ],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'job_name');
    const job = await orNull(kube.read('Job', name, namespace));
    if (job === null) return { namespace, name, job, pods: [], events: [] };
    const pods = await kube.list('Pod', { namespace, labelSelector: `job-name=${name}`, max: 100 });
    const events = await kube.listWarningEvents(namespace, { kind: 'Job', name, uid: job.metadata?.uid });
    return { namespace, name, job, pods, events };
  },

  diagnose: (_alert, snapshot, now) => {
    const target = {
      kind: 'Job',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.job?.metadata?.uid,
    };
    const base = { detector: jobHealth.name, target, plan: null };
    const { job } = snapshot;
    if (job === null)
      return gone(
        base,
        `job ${snapshot.namespace}/${snapshot.name} no longer exists (cleaned up by its TTL or CronJob history limit)`,
        0.8,
      );
    const evidence: Evidence[] = [];
    const owner = job.metadata?.ownerReferences?.find((ref) => ref.controller === true);
    if (owner !== undefined)
      evidence.push({ source: 'owner', message: `created by ${owner.kind.toLowerCase()} ${owner.name}` });
    const failed = condition(job.status?.conditions, 'Failed');
    const outcomes = snapshot.pods.map((pod) => podOutcome(pod)).filter((text): text is string => text !== undefined);
    evidence.push(...outcomes.slice(0, 5).map((message) => ({ source: 'pod.status', message })));
    evidence.push(
      ...snapshot.events
        .slice(0, 3)
        .map((event) => ({ source: 'event', message: `${event.reason ?? ''}: ${event.message ?? ''}` })),
    );
    const causes = snapshot.pods.flatMap((pod) => podCauses(pod, []));
    const oom = causes.find((cause) => cause.kind === 'oom-killed');
    if (failed?.status === 'True') {
      const why =
        failed.reason === 'DeadlineExceeded'
          ? `it ran past activeDeadlineSeconds (${job.spec?.activeDeadlineSeconds ?? '?'} s)`
          : `${job.status?.failed ?? 0} pod${job.status?.failed === 1 ? '' : 's'} failed (backoffLimit ${job.spec?.backoffLimit ?? 6})`;
      // A re-run helps when the failure came from outside the job (evicted, node lost, deadline
      // on a slow day), not when its own code or memory fails it again.
      const external =
        oom === undefined && (failed.reason === 'DeadlineExceeded' || causes.some((c) => c.kind === 'evicted'));
      return {
        ...base,
        plan: external
          ? planRetryJob(
              job,
              `job ${snapshot.name} failed for a reason outside its code (${failed.reason ?? 'evicted'}): a new run may pass`,
            )
          : null,
        anomaly: oom !== undefined ? 'oom-killed' : (failed.reason ?? 'job-failed'),
        summary: `job ${snapshot.name} failed: ${why}${oom === undefined ? (outcomes[0] === undefined ? '' : `; ${outcomes[0]}`) : `; ${oom.summary}`}`,
        confidence: 0.8,
        evidence: [
          { source: 'job.status', message: `Failed=True (${failed.reason ?? ''}): ${failed.message ?? ''}` },
          ...evidence,
        ],
      };
    }
    const primary = causes.find((cause) => cause.kind !== 'waiting') ?? causes[0];
    return {
      ...base,
      anomaly: primary?.kind ?? 'job-not-completed',
      summary: `job ${snapshot.name} has run for ${age(job.status?.startTime, now)} without completing (${job.status?.active ?? 0} active, ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed)${primary === undefined ? '' : `: ${primary.summary}`}`,
      confidence: primary === undefined ? 0.4 : 0.7,
      evidence: [...(primary?.evidence ?? []), ...evidence],
    };
  },
};

/** "pod x: OOMKilled, exit code 137" for a pod that ended, else undefined. */
function podOutcome(pod: V1Pod): string | undefined {
  const terminated = pod.status?.containerStatuses
    ?.map((status) => status.state?.terminated ?? status.lastState?.terminated)
    .find((t) => t !== undefined);
  if (terminated === undefined || terminated.exitCode === 0) return undefined;
  return `pod ${pod.metadata?.name ?? ''}: ${terminated.reason ?? 'Error'}, exit code ${terminated.exitCode}`;
}
