import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import type { Kind, KindObjects, ListOptions } from './kinds.ts';

export interface JsonPatchOperation {
  op: 'test' | 'replace' | 'add' | 'remove';
  path: string;
  value?: unknown;
}

/** Options for every write: `dryRun` asks the API server to validate and persist nothing. */
export interface WriteOptions {
  dryRun: boolean;
}

/**
 * The slice of the Kubernetes API that kubemend's detectors and remediators use. Adapters
 * translate transport errors into domain errors: 404 → NotFoundError, 409 → ConflictError,
 * 401 and 403 → ForbiddenError, an admission denial (ADMISSION_DENIAL) answered 400 or 422 →
 * ForbiddenError, no connection → ClusterUnreachableError. Anything else is rethrown.
 *
 * @example
 * const pod = await kube.getPod('payments', 'checkout-7d9f8b6c5d-x2k9p');
 */
export interface KubeApi {
  /** A name for logs and outcomes (the context or cluster name). */
  readonly cluster: string;
  getPod(namespace: string, name: string): Promise<V1Pod>;
  getReplicaSet(namespace: string, name: string): Promise<V1ReplicaSet>;
  getDeployment(namespace: string, name: string): Promise<V1Deployment>;
  /** Reads one object of a kind kubemend knows (lib/kube/kinds.ts); namespace undefined for cluster-scoped kinds. */
  read<K extends Kind>(kind: K, name: string, namespace?: string): Promise<KindObjects[K]>;
  /** Lists objects of a kind, page by page, up to `options.max` (default 1000), without `metadata.managedFields`. */
  list<K extends Kind>(kind: K, options?: ListOptions): Promise<KindObjects[K][]>;
  /**
   * The same objects as `list`, one page (`limit`/`continue`) at a time, so that a caller that
   * judges each page as it arrives holds one page, not the whole collection (an audit of a large
   * cluster). Stops after `options.max` objects (default 1000).
   */
  pages<K extends Kind>(kind: K, options?: ListOptions & { pageSize?: number }): AsyncIterable<KindObjects[K][]>;
  /** ReplicaSets matching a label selector (a Deployment's revisions). */
  listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]>;
  /** Warning events about one object, newest first. */
  listWarningEvents(namespace: string, ref: { kind: string; name: string; uid?: string }): Promise<CoreV1Event[]>;
  /**
   * A strategic merge patch of one object of a kind kubemend knows (namespace undefined for
   * cluster-scoped kinds), returning what the server wrote (or, dry-run, would have written).
   * With `resourceVersion` the write fails with ConflictError if the object changed since it was read.
   */
  patch<K extends Kind>(
    kind: K,
    name: string,
    namespace: string | undefined,
    body: Record<string, unknown>,
    options: WriteOptions & { resourceVersion?: string },
  ): Promise<KindObjects[K]>;
  /**
   * An RFC 6902 JSON patch (`test` operations make it conditional; a failed test is a
   * ConflictError), for writes that must replace a whole subtree, as a rollback does.
   */
  jsonPatchDeployment(
    namespace: string,
    name: string,
    operations: JsonPatchOperation[],
    options: WriteOptions,
  ): Promise<V1Deployment>;
  /** Creates an object of a kind kubemend knows; ConflictError if one with its name exists. */
  create<K extends Kind>(kind: K, object: KindObjects[K], options: WriteOptions): Promise<KindObjects[K]>;
  /**
   * Deletes an object only if it still has `uid`; dependents (a Job's pods) are deleted in the
   * background.
   */
  remove(
    kind: Kind,
    name: string,
    namespace: string | undefined,
    options: WriteOptions & { uid: string },
  ): Promise<void>;
  /**
   * Evicts a pod through the Eviction API, so PodDisruptionBudgets are honoured; a budget that
   * does not allow it now fails with DisruptionBudgetError. Only the pod with `uid`.
   */
  evictPod(namespace: string, name: string, options: WriteOptions & { uid: string }): Promise<void>;
  /** Deletes a pod only if it still has `uid`, so a replacement with the same name is never hit. */
  deletePod(namespace: string, name: string, options: WriteOptions & { uid: string }): Promise<void>;
}

/**
 * Gives the KubeApi for the cluster an alert names (undefined: the default one). Throws
 * ClusterUnreachableError when it cannot be reached and ClusterUnknownError when the registry
 * does not know it. Adapters: the cluster registry (EKS through IAM, kubeconfig contexts) in
 * lib/clusters/registry-provider.ts, and a kubeconfig's current context in lib/kube/kubeconfig.ts.
 */
export type KubeProvider = (cluster: string | undefined) => Promise<KubeApi>;

/**
 * What the API server says when an admission policy or webhook refused a request. A policy's
 * denial comes as 403 Forbidden or 422 Invalid; a webhook's with the code the webhook chose, 400
 * when it chose none below that, and `admission webhook "<name>" denied the request: <its message>`,
 * or `… denied the request without explanation` when it gave none.
 */
export const ADMISSION_DENIAL =
  /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request|admission webhook "[^"]+" denied the request/;

/**
 * Who an admission denial names, in words: `admission webhook validation.gatekeeper.sh`,
 * `ValidatingAdmissionPolicy kubemend-remediator-writes`; undefined when the message names neither.
 */
export function admissionRefuser(message: string): string | undefined {
  const webhook = /admission webhook "([^"]+)" denied/.exec(message);
  if (webhook !== null) return `admission webhook ${webhook[1]}`;
  const policy = /ValidatingAdmissionPolicy '([^']+)'/.exec(message);
  if (policy !== null) return `ValidatingAdmissionPolicy ${policy[1]}`;
  return undefined;
}
