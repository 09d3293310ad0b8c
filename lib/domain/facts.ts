import * as z from 'zod';

/**
 * What a detector measured about the objects behind a diagnosis, typed, for the fixes that answer
 * it: a fix plans from these facts alone (pure), never from a detector's own choice. Every fact
 * is optional; each detector declares which facts come with each anomaly it reports
 * (`Detector.anomalies`), each fix which facts it needs (`Remediator.needs`), and
 * `kubemend config validate` checks that a rule maps an anomaly only to fixes it can feed.
 * Values only, never environment values or Secret data.
 */
const Ref = {
  namespace: z.string().min(1),
  name: z.string().min(1),
  uid: z.string().optional(),
};

/** A workload whose pods a fix rolls (restart, memory, rollback). */
export const WorkloadFactsSchema = z.object({
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']),
  ...Ref,
  /** When it was read: a write is guarded by it. */
  resourceVersion: z.string().optional(),
  /** The rollout revision (a Deployment's revision annotation; `generation N` otherwise). */
  revision: z.string().optional(),
  paused: z.boolean().default(false),
  /** Its update strategy is OnDelete: a template change rolls no running pod. */
  onDelete: z.boolean().default(false),
  /** It is being deleted. */
  deleting: z.boolean().default(false),
});

/** The pod an alert is about. */
export const PodFactsSchema = z.object({
  ...Ref,
  uid: z.string().min(1),
  /** Its controller (ReplicaSet, StatefulSet, DaemonSet, Job), when it has one. */
  controller: z.object({ kind: z.string().min(1), name: z.string().min(1) }).optional(),
});

/** The container that fails, with what it asks for. */
export const ContainerFactsSchema = z.object({
  name: z.string().min(1),
  restarts: z.number().int().nonnegative(),
  memoryLimit: z.string().optional(),
  memoryRequest: z.string().optional(),
});

/** A Deployment's latest rollout, and whether the problem began with it. */
export const RolloutFactsSchema = z.object({
  /** The latest revision (the one whose pods fail). */
  from: z.string().min(1),
  /** The revision before it. */
  to: z.string().min(1),
  /** The problem began after the latest revision rolled out. */
  beganWithIt: z.boolean(),
  /** Pods of the latest revision that report a problem. */
  failingPods: z.number().int().nonnegative(),
  /** What changed in the pod template, by name (never values). */
  changes: z.array(z.string()),
});

export const HpaFactsSchema = z.object({
  ...Ref,
  minReplicas: z.number().int().nonnegative(),
  maxReplicas: z.number().int().positive(),
  currentReplicas: z.number().int().nonnegative(),
  desiredReplicas: z.number().int().nonnegative(),
});

export const VolumeFactsSchema = z.object({
  ...Ref,
  /** The size the claim requests now. */
  requested: z.string(),
  capacity: z.string().optional(),
  storageClass: z.string().optional(),
  /** Its StorageClass allows expanding it in place. */
  expandable: z.boolean(),
});

export const JobFactsSchema = z.object({
  ...Ref,
  uid: z.string().min(1),
  failed: z.boolean(),
  /** The Failed condition's reason (BackoffLimitExceeded, DeadlineExceeded, …). */
  reason: z.string().optional(),
  /** Some of its pods were evicted (a failure from outside its own code). */
  evicted: z.boolean(),
  /** Some of its containers were OOM-killed (its own failure, which a re-run repeats). */
  oomKilled: z.boolean(),
});

export const NodeFactsSchema = z.object({
  name: z.string().min(1),
  uid: z.string().optional(),
  ready: z.enum(['True', 'False', 'Unknown']).optional(),
  cordoned: z.boolean(),
  pressures: z.array(z.string()),
  /** Pods on it not run by DaemonSets. */
  workloadPods: z.number().int().nonnegative(),
});

export const FactsSchema = z.object({
  workload: WorkloadFactsSchema.optional(),
  pod: PodFactsSchema.optional(),
  container: ContainerFactsSchema.optional(),
  rollout: RolloutFactsSchema.optional(),
  hpa: HpaFactsSchema.optional(),
  volume: VolumeFactsSchema.optional(),
  job: JobFactsSchema.optional(),
  node: NodeFactsSchema.optional(),
});
export type Facts = z.infer<typeof FactsSchema>;
export type FactKey = keyof Facts;
export const FACT_KEYS = Object.keys(FactsSchema.shape) as FactKey[];
export type WorkloadFacts = z.infer<typeof WorkloadFactsSchema>;
export type PodFacts = z.infer<typeof PodFactsSchema>;
export type ContainerFacts = z.infer<typeof ContainerFactsSchema>;
export type RolloutFacts = z.infer<typeof RolloutFactsSchema>;
export type HpaFacts = z.infer<typeof HpaFactsSchema>;
export type VolumeFacts = z.infer<typeof VolumeFactsSchema>;
export type JobFacts = z.infer<typeof JobFactsSchema>;
export type NodeFacts = z.infer<typeof NodeFactsSchema>;
