import type { CoreV1Event, KubernetesObject, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import { ConflictError, DisruptionBudgetError, NotFoundError } from '../../lib/errors.ts';
import type { Kind, KindObjects, ListOptions } from '../../lib/kube/kinds.ts';
import type { JsonPatchOperation, KubeApi, KubeProvider } from '../../lib/kube/kube-api.ts';

export interface Write {
  verb: 'patch' | 'create' | 'delete' | 'evict';
  kind: string;
  namespace: string;
  name: string;
  dryRun: boolean;
  body?: unknown;
}

/** An in-memory KubeApi for unit tests: serves the objects it holds and records every write. */
export class FakeKube implements KubeApi {
  readonly cluster = 'fake';
  readonly pods = new Map<string, V1Pod>();
  readonly replicaSets = new Map<string, V1ReplicaSet>();
  readonly deployments = new Map<string, V1Deployment>();
  /** Objects of every other kind, by `${kind}/${namespace}/${name}`. */
  readonly others = new Map<string, KubernetesObject>();
  events: CoreV1Event[] = [];
  readonly writes: Write[] = [];
  /** When set, every call throws it (e.g. ClusterUnreachableError). */
  failWith: Error | undefined;

  add(...objects: KubernetesObject[]): this {
    for (const object of objects) {
      const key = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
      if (object.kind === 'Pod') this.pods.set(key, object);
      else if (object.kind === 'ReplicaSet') this.replicaSets.set(key, object);
      else if (object.kind === 'Deployment') this.deployments.set(key, object);
      else this.others.set(`${object.kind ?? ''}/${key}`, object);
    }
    return this;
  }

  async read<K extends Kind>(kind: K, name: string, namespace?: string): Promise<KindObjects[K]> {
    const found = this.all(kind).find(
      (object) => object.metadata?.name === name && (object.metadata.namespace ?? undefined) === namespace,
    );
    this.check();
    if (found === undefined) throw new NotFoundError(`${kind.toLowerCase()} ${namespace ?? ''}/${name} not found`);
    return structuredClone(found) as KindObjects[K];
  }

  async list<K extends Kind>(kind: K, options: ListOptions = {}): Promise<KindObjects[K][]> {
    this.check();
    const labels = parseSelector(options.labelSelector);
    const fields = parseSelector(options.fieldSelector);
    return this.all(kind)
      .filter((object) => options.namespace === undefined || object.metadata?.namespace === options.namespace)
      .filter((object) => Object.entries(labels).every(([key, value]) => object.metadata?.labels?.[key] === value))
      .filter((object) => Object.entries(fields).every(([path, value]) => fieldValue(object, path) === value))
      .slice(0, options.max ?? 1000)
      .map((object) => structuredClone(object) as KindObjects[K]);
  }

  /** The objects `list` gives, `pageSize` (default 500) at a time; `pagesServed` counts the pages. */
  async *pages<K extends Kind>(
    kind: K,
    options: ListOptions & { pageSize?: number } = {},
  ): AsyncGenerator<KindObjects[K][]> {
    const all = await this.list(kind, options);
    const size = options.pageSize ?? 500;
    for (let at = 0; at < all.length; at += size) {
      this.pagesServed += 1;
      yield all.slice(at, at + size);
    }
  }

  pagesServed = 0;

  private all(kind: Kind): KubernetesObject[] {
    if (kind === 'Pod') return [...this.pods.values()];
    if (kind === 'ReplicaSet') return [...this.replicaSets.values()];
    if (kind === 'Deployment') return [...this.deployments.values()];
    return [...this.others.values()].filter((object) => object.kind === kind);
  }

  provider(): KubeProvider {
    return async () => {
      if (this.failWith) throw this.failWith;
      return this;
    };
  }

  async getPod(namespace: string, name: string): Promise<V1Pod> {
    return this.lookup(this.pods, 'pod', namespace, name);
  }

  async getReplicaSet(namespace: string, name: string): Promise<V1ReplicaSet> {
    return this.lookup(this.replicaSets, 'replicaset', namespace, name);
  }

  async getDeployment(namespace: string, name: string): Promise<V1Deployment> {
    return this.lookup(this.deployments, 'deployment', namespace, name);
  }

  async listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]> {
    this.check();
    const wanted = Object.fromEntries(labelSelector.split(',').map((pair) => pair.split('=') as [string, string]));
    return [...this.replicaSets.values()]
      .filter((rs) => rs.metadata?.namespace === namespace)
      .filter((rs) => Object.entries(wanted).every(([key, value]) => rs.metadata?.labels?.[key] === value))
      .map((rs) => structuredClone(rs));
  }

  async listWarningEvents(namespace: string, ref: { kind: string; name: string }): Promise<CoreV1Event[]> {
    this.check();
    return this.events.filter(
      (event) =>
        event.metadata.namespace === namespace &&
        event.involvedObject.kind === ref.kind &&
        event.involvedObject.name === ref.name,
    );
  }

  async patch<K extends Kind>(
    kind: K,
    name: string,
    namespace: string | undefined,
    body: Record<string, unknown>,
    options: { dryRun: boolean; resourceVersion?: string },
  ): Promise<KindObjects[K]> {
    const current = await this.read(kind, name, namespace);
    if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata?.resourceVersion) {
      throw new ConflictError(`${kind.toLowerCase()} ${namespace ?? ''}/${name} changed since it was read`);
    }
    this.writes.push({ verb: 'patch', kind, namespace: namespace ?? '', name, dryRun: options.dryRun, body });
    const after = strategicMerge(current, body) as KindObjects[K];
    if (!options.dryRun) {
      after.metadata = {
        ...after.metadata,
        resourceVersion: String(Number(current.metadata?.resourceVersion ?? 0) + 1),
      };
      this.add({ ...after, kind });
    }
    return structuredClone(after);
  }

  async jsonPatchDeployment(
    namespace: string,
    name: string,
    operations: JsonPatchOperation[],
    options: { dryRun: boolean },
  ): Promise<V1Deployment> {
    const current = await this.getDeployment(namespace, name);
    const after = structuredClone(current) as unknown as Record<string, unknown>;
    for (const op of operations) {
      const keys = op.path.split('/').slice(1);
      const last = keys.pop()!;
      const parent = keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, after);
      if (op.op === 'test' && JSON.stringify(parent[last]) !== JSON.stringify(op.value)) {
        throw new ConflictError(`patch deployment ${namespace}/${name}: test of ${op.path} failed`);
      }
      if (op.op === 'replace' || op.op === 'add') parent[last] = structuredClone(op.value);
      if (op.op === 'remove') delete parent[last];
    }
    this.writes.push({ verb: 'patch', kind: 'Deployment', namespace, name, dryRun: options.dryRun, body: operations });
    if (!options.dryRun) this.add({ ...(after as V1Deployment), kind: 'Deployment' });
    return structuredClone(after);
  }

  async create<K extends Kind>(kind: K, object: KindObjects[K], options: { dryRun: boolean }): Promise<KindObjects[K]> {
    this.check();
    const { name = '', namespace } = object.metadata ?? {};
    if (this.all(kind).some((o) => o.metadata?.name === name && o.metadata.namespace === namespace)) {
      throw new ConflictError(`${kind.toLowerCase()} ${namespace ?? ''}/${name} already exists`);
    }
    this.writes.push({ verb: 'create', kind, namespace: namespace ?? '', name, dryRun: options.dryRun, body: object });
    const created = { ...structuredClone(object), kind, metadata: { ...object.metadata, uid: `uid-${name}` } };
    if (!options.dryRun) this.add(created);
    return created;
  }

  async remove(
    kind: Kind,
    name: string,
    namespace: string | undefined,
    options: { dryRun: boolean; uid: string },
  ): Promise<void> {
    const current = await this.read(kind, name, namespace);
    if (current.metadata?.uid !== options.uid)
      throw new ConflictError(`${kind} ${namespace ?? ''}/${name} has another uid`);
    this.writes.push({ verb: 'delete', kind, namespace: namespace ?? '', name, dryRun: options.dryRun });
    if (options.dryRun) return;
    const key = `${namespace ?? ''}/${name}`;
    if (kind === 'Pod') this.pods.delete(key);
    else if (kind === 'ReplicaSet') this.replicaSets.delete(key);
    else if (kind === 'Deployment') this.deployments.delete(key);
    else this.others.delete(`${kind}/${key}`);
  }

  /** Plays the Deployment controller: every replica of the current template updated and available. */
  completeRollout(namespace: string, name: string): void {
    const deployment = this.deployments.get(`${namespace}/${name}`);
    if (deployment === undefined) return;
    const replicas = deployment.spec?.replicas ?? 1;
    deployment.status = {
      ...deployment.status,
      observedGeneration: deployment.metadata?.generation ?? 0,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    };
  }

  /** Pods whose eviction a PodDisruptionBudget refuses (by `namespace/name`). */
  readonly guardedByBudget = new Set<string>();

  async evictPod(namespace: string, name: string, options: { dryRun: boolean; uid: string }): Promise<void> {
    const pod = await this.getPod(namespace, name);
    if (pod.metadata?.uid !== options.uid) throw new ConflictError(`pod ${namespace}/${name} has another uid`);
    if (this.guardedByBudget.has(`${namespace}/${name}`)) {
      throw new DisruptionBudgetError(
        `evict pod ${namespace}/${name}: Cannot evict pod as it would violate the pod's disruption budget.`,
      );
    }
    this.writes.push({ verb: 'evict', kind: 'Pod', namespace, name, dryRun: options.dryRun });
    if (!options.dryRun) this.pods.delete(`${namespace}/${name}`);
  }

  async deletePod(namespace: string, name: string, options: { dryRun: boolean; uid: string }): Promise<void> {
    const pod = await this.getPod(namespace, name);
    if (pod.metadata?.uid !== options.uid) throw new ConflictError(`pod ${namespace}/${name} has another uid`);
    this.writes.push({ verb: 'delete', kind: 'Pod', namespace, name, dryRun: options.dryRun });
    if (!options.dryRun) this.pods.delete(`${namespace}/${name}`);
  }

  private lookup<T>(map: Map<string, T>, kind: string, namespace: string, name: string): T {
    this.check();
    const found = map.get(`${namespace}/${name}`);
    if (found === undefined) throw new NotFoundError(`${kind} ${namespace}/${name} not found`);
    return structuredClone(found);
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }
}

function parseSelector(selector: string | undefined): Record<string, string> {
  if (selector === undefined || selector === '') return {};
  return Object.fromEntries(selector.split(',').map((pair) => pair.split('=') as [string, string]));
}

function fieldValue(object: KubernetesObject, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);
}

/**
 * A strategic merge patch as the API server applies one to built-in kinds, to the extent the
 * fixes use it: objects merge, lists of named items (containers) merge by name, null deletes.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (patch === null) return undefined;
  if (Array.isArray(patch)) {
    const updates = patch as unknown[];
    const named = (item: unknown) => (item as { name?: unknown } | null)?.name;
    if (!Array.isArray(target) || !updates.every((item) => typeof named(item) === 'string')) {
      return structuredClone(updates);
    }
    const current = target as unknown[];
    const merged: unknown[] = current.map((item) => {
      const update = updates.find((p) => named(p) === named(item));
      return update === undefined ? item : strategicMerge(item, update);
    });
    for (const item of updates) {
      if (!current.some((t) => named(t) === named(item))) merged.push(item);
    }
    return merged;
  }
  if (typeof patch !== 'object' || typeof target !== 'object' || target === null || Array.isArray(target)) {
    return structuredClone(patch);
  }
  const result: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    const merged = strategicMerge(result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}
