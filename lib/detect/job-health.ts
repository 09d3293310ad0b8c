import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import type { JobFacts } from '../domain/facts.ts';
import { condition, iso } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { age, gone } from './k8s-util.ts';
import { POD_STATUS_CAUSE_KINDS, podCauses, type PodStatusCauseKind } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import { keepsWithPods } from './workload-pods.ts';

export interface JobSnapshot {
  namespace: string;
  name: string;
  job: V1Job | null;
  pods: V1Pod[];
  events: CoreV1Event[];
}

/** Failed conditions' reasons reported as they are; any other reason is `job-failed`. */
const FAILED_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded'] as const;

export type JobAnomaly =
  PodStatusCauseKind | (typeof FAILED_REASONS)[number] | 'job-failed' | 'job-not-completed' | 'gone';

export const jobHealth: Detector<JobSnapshot, JobAnomaly> = {
  name: 'job-health',
  description:
    'KubeJobFailed, KubeJobNotCompleted: why a Job failed (backoff limit or deadline, with its pods’ exit codes, OOM kills, bad images) or why it is still running (unschedulable or failing pods), and which CronJob owns it.',
  reads: [
    { apiGroup: 'batch', resource: 'jobs', verbs: ['get'] },
    { apiGroup: '', resource: 'pods', verbs: ['list'] },
    { apiGroup: '', resource: 'events', verbs: ['list'] },
  ],
  anomalies: {
    // Its pods are judged from their status alone (it does not read their nodes).
    ...(Object.fromEntries(POD_STATUS_CAUSE_KINDS.map((kind) => [kind, ['job']])) as Record<
      PodStatusCauseKind,
      ['job']
    >),
    BackoffLimitExceeded: ['job'],
    DeadlineExceeded: ['job'],
    'job-failed': ['job'],
    'job-not-completed': ['job'],
    gone: [],
  },
  settled: ['gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'job_name');
    const job = await orNull(kube.read('Job', name, namespace));
    if (job === null) return { namespace, name, job, pods: [], events: [] };
    const pods = await kube.list('Pod', { namespace, labelSelector: `job-name=${name}`, max: 100 });
    const events = await kube.listWarningEvents(namespace, { kind: 'Job', name, uid: job.metadata?.uid });
    return { namespace, name, job, pods, events };
  },

  diagnose: (snapshot, now) => {
    const target = {
      kind: 'Job',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.job?.metadata?.uid,
    };
    const base = { detector: jobHealth.name, target };
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
    const facts: { job: JobFacts } = {
      job: {
        namespace: snapshot.namespace,
        name: snapshot.name,
        uid: job.metadata?.uid ?? '',
        failed: failed?.status === 'True',
        ...(failed?.reason === undefined ? {} : { reason: failed.reason }),
        evicted: causes.some((cause) => cause.kind === 'evicted'),
        oomKilled: oom !== undefined,
      },
    };
    if (failed?.status === 'True') {
      const why =
        failed.reason === 'DeadlineExceeded'
          ? `it ran past activeDeadlineSeconds (${job.spec?.activeDeadlineSeconds ?? '?'} s)`
          : `${job.status?.failed ?? 0} pod${job.status?.failed === 1 ? '' : 's'} failed (backoffLimit ${job.spec?.backoffLimit ?? 6})`;
      const known = FAILED_REASONS.find((reason) => reason === failed.reason);
      return {
        ...base,
        anomaly: oom !== undefined ? 'oom-killed' : (known ?? 'job-failed'),
        summary: `job ${snapshot.name} failed: ${why}${oom === undefined ? (outcomes[0] === undefined ? '' : `; ${outcomes[0]}`) : `; ${oom.summary}`}`,
        confidence: 0.8,
        evidence: [
          { source: 'job.status', message: `Failed=True (${failed.reason ?? ''}): ${failed.message ?? ''}` },
          ...evidence,
        ],
        facts,
      };
    }
    const primary = causes.find((cause) => cause.kind !== 'waiting') ?? causes[0];
    return {
      ...base,
      anomaly: primary?.kind ?? 'job-not-completed',
      summary: `job ${snapshot.name} has run for ${age(job.status?.startTime, now)} without completing (${job.status?.active ?? 0} active, ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed)${primary === undefined ? '' : `: ${primary.summary}`}`,
      confidence: primary === undefined ? 0.4 : 0.7,
      evidence: [...(primary?.evidence ?? []), jobStatusEvidence(job), ...runningPods(snapshot.pods), ...evidence],
      facts,
    };
  },

  audit: {
    lists: ['Job', 'Pod'],
    // The failed Jobs and their pods (labelled job-name=<job>).
    keeps: () => keepsWithPods('Job', failed, (job) => `job-name=${job.metadata?.name ?? ''}`),
    *snapshots(listing) {
      for (const job of listing.of('Job')) {
        if (!failed(job)) continue;
        const namespace = job.metadata?.namespace ?? '';
        const name = job.metadata?.name ?? '';
        yield { namespace, name, job, pods: listing.podsMatching(namespace, `job-name=${name}`), events: [] };
      }
    },
  },
};

/** What the Job's status and spec say about its progress. */
function jobStatusEvidence(job: V1Job): Evidence {
  const spec = job.spec;
  const limits = [
    `completions ${spec?.completions ?? 1}`,
    `parallelism ${spec?.parallelism ?? 1}`,
    ...(spec?.activeDeadlineSeconds === undefined ? [] : [`activeDeadlineSeconds ${spec.activeDeadlineSeconds}`]),
  ].join(', ');
  return {
    source: 'job.status',
    message: `started ${iso(job.status?.startTime) ?? 'not yet'}; ${job.status?.active ?? 0} active, ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed (${limits})`,
    ...(iso(job.status?.startTime) === undefined ? {} : { at: iso(job.status?.startTime) }),
  };
}

/** The Job's pods that are still running, with when they started (at most three). */
function runningPods(pods: readonly V1Pod[]): Evidence[] {
  return pods
    .filter((pod) => pod.status?.phase === 'Running' || pod.status?.phase === 'Pending')
    .slice(0, 3)
    .map((pod) => ({
      source: 'pod.status',
      message: `pod ${pod.metadata?.name ?? '?'} is ${pod.status?.phase ?? '?'} since ${iso(pod.status?.startTime) ?? 'an unknown time'}`,
    }));
}

/** "pod x: OOMKilled, exit code 137" for a pod that ended, else undefined. */
function podOutcome(pod: V1Pod): string | undefined {
  const terminated = pod.status?.containerStatuses
    ?.map((status) => status.state?.terminated ?? status.lastState?.terminated)
    .find((t) => t !== undefined);
  if (terminated === undefined || terminated.exitCode === 0) return undefined;
  return `pod ${pod.metadata?.name ?? ''}: ${terminated.reason ?? 'Error'}, exit code ${terminated.exitCode}`;
}

function failed(job: V1Job): boolean {
  return condition(job.status?.conditions, 'Failed')?.status === 'True';
}
