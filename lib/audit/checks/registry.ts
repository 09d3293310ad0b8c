import type { AuditCheck } from './check.ts';
import { cronJobConfig } from './cronjob-config.ts';
import { hpaTarget } from './hpa-target.ts';
import { jobSuspended } from './job-suspended.ts';
import { pvcPending } from './pvc-pending.ts';
import { replicaSetFailure } from './replicaset-failure.ts';
import { statefulSetService } from './statefulset-service.ts';
import { statefulSetStorage } from './statefulset-storage.ts';

/** The audit's own checks, for what no detector (and no kubernetes-mixin alert) covers, in the order they run. */
export const auditChecks: readonly AuditCheck[] = [
  jobSuspended,
  cronJobConfig,
  statefulSetStorage,
  statefulSetService,
  replicaSetFailure,
  hpaTarget,
  pvcPending,
];
