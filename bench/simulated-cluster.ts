// A Kubernetes API server on loopback that generates a large cluster's lists page by page, for
// the audit's growth curve beyond what kwok and one etcd hold on this machine: `pods` pods in
// Deployments of five replicas over twenty namespaces, each Deployment with its current and one
// old ReplicaSet, a node per hundred pods (at least 100), and one Deployment in a hundred crash
// looping, one in a hundred unable to pull its image, as in `bench/audit-scale.ts` on kwok.
// Objects are built on demand from their index (nothing is stored), as the API server sends them:
// managedFields included, `limit` and `continue` honoured. Every other kind lists empty.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { V1Deployment, V1ManagedFieldsEntry, V1Node, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import { podIn, type PodState } from '../tests/helpers/fixtures.ts';

const REPLICAS = 5;
const NAMESPACES = 20;
const CREATED = new Date('2026-11-01T08:00:00Z');

export interface SimulatedCluster {
  url: string;
  /** Deployments that crash loop or cannot pull their image: what an audit should find. */
  broken: number;
  deployments: number;
  nodes: number;
  /** Requests answered, and bytes of JSON sent, since the last resize. */
  served(): { requests: number; bytes: number };
  /** From now on, a cluster of `pods` pods. */
  resize(pods: number): void;
  close(): Promise<void>;
}

const crashes = (deployment: number) => deployment % 100 === 7;
const cannotPull = (deployment: number) => deployment % 100 === 57;

/** The fields each writer owns, as the API server records them: a large part of a real object. */
function managedFields(...managers: string[]): V1ManagedFieldsEntry[] {
  return managers.map((manager) => ({
    manager,
    operation: 'Update',
    apiVersion: 'v1',
    time: CREATED,
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': {} },
      'f:spec': {
        'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} } },
      },
      'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:phase': {}, 'f:podIP': {} },
    },
  }));
}

function names(deployment: number) {
  const hash = (deployment * 2654435761).toString(36).slice(-10).padStart(10, 'x');
  return {
    namespace: `sim-${deployment % NAMESPACES}`,
    deployment: `svc-${deployment}`,
    current: `svc-${deployment}-${hash}`,
    old: `svc-${deployment}-${hash.split('').reverse().join('')}`,
    hash,
    uid: (kind: string, index = 0) =>
      `${kind}${String(deployment).padStart(7, '0')}-0000-4000-8000-${String(index).padStart(12, '0')}`,
  };
}

function deploymentAt(index: number): V1Deployment {
  const n = names(index);
  const broken = crashes(index) || cannotPull(index);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: n.deployment,
      namespace: n.namespace,
      uid: n.uid('d'),
      generation: 2,
      resourceVersion: String(100_000 + index),
      creationTimestamp: CREATED,
      labels: { app: n.deployment },
      annotations: { 'deployment.kubernetes.io/revision': '2' },
      managedFields: managedFields('kubectl-client-side-apply', 'kube-controller-manager'),
    },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: n.deployment } },
      template: {
        metadata: { labels: { app: n.deployment } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example/${n.deployment}:1.0.${index % 7}`,
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 2,
      replicas: REPLICAS,
      updatedReplicas: REPLICAS,
      readyReplicas: broken ? 0 : REPLICAS,
      availableReplicas: broken ? 0 : REPLICAS,
      ...(broken ? { unavailableReplicas: REPLICAS } : {}),
      conditions: [
        {
          type: 'Available',
          status: broken ? 'False' : 'True',
          reason: broken ? 'MinimumReplicasUnavailable' : 'MinimumReplicasAvailable',
        },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  };
}

function replicaSetAt(index: number): V1ReplicaSet {
  const deployment = Math.floor(index / 2);
  const current = index % 2 === 0;
  const n = names(deployment);
  const replicas = current ? REPLICAS : 0;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: current ? n.current : n.old,
      namespace: n.namespace,
      uid: n.uid('r', current ? 1 : 2),
      resourceVersion: String(200_000 + index),
      creationTimestamp: CREATED,
      labels: { app: n.deployment, 'pod-template-hash': current ? n.hash : 'old' },
      annotations: { 'deployment.kubernetes.io/revision': current ? '2' : '1' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: n.deployment, uid: n.uid('d'), controller: true },
      ],
      managedFields: managedFields('kube-controller-manager'),
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: n.deployment, 'pod-template-hash': current ? n.hash : 'old' } },
    },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
  };
}

function podAt(index: number, nodes: number): V1Pod {
  const deployment = Math.floor(index / REPLICAS);
  const n = names(deployment);
  const state: PodState = crashes(deployment) ? 'app-crash' : cannotPull(deployment) ? 'bad-image' : 'healthy';
  const pod = podIn(state, {
    name: `${n.current}-${(index % REPLICAS).toString(36)}${index.toString(36).padStart(4, '0')}`,
    namespace: n.namespace,
    uid: n.uid('p', index),
    labels: { app: n.deployment, 'pod-template-hash': n.hash },
    owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: n.current, uid: n.uid('r', 1) },
    nodeName: `sim-node-${index % nodes}`,
    image: `registry.example/${n.deployment}:1.0.${deployment % 7}`,
  });
  pod.metadata!.managedFields = managedFields('kube-controller-manager', 'kube-scheduler', 'kubelet');
  return pod;
}

function nodeAt(index: number): V1Node {
  const name = `sim-node-${index}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `n0000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      resourceVersion: String(300_000 + index),
      creationTimestamp: CREATED,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm7g.xlarge',
      },
      managedFields: managedFields('kubelet', 'kube-controller-manager'),
    },
    spec: { providerID: `aws:///eu-west-1a/i-0${index.toString(16).padStart(16, '0')}` },
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '3920m', memory: '15Gi', pods: '110' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure']
        .map((type) => ({ type, status: 'False', reason: `KubeletHasNo${type}`, lastHeartbeatTime: CREATED }))
        .concat([{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: CREATED }]),
      // What a busy node's kubelet reports: the images it holds.
      images: Array.from({ length: 25 }, (_, image) => ({
        names: [
          `registry.example/svc-${image}@sha256:${String(image).padStart(64, '0')}`,
          `registry.example/svc-${image}:1.0.0`,
        ],
        sizeBytes: 50_000_000 + image,
      })),
      nodeInfo: {
        kubeletVersion: 'v1.33.0',
        containerRuntimeVersion: 'containerd://2.0.0',
        architecture: 'arm64',
        operatingSystem: 'linux',
        osImage: 'Bottlerocket',
        kernelVersion: '6.1.0',
        kubeProxyVersion: '',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}

function shape(pods: number) {
  const deployments = Math.ceil(pods / REPLICAS);
  const nodes = Math.max(100, Math.ceil(pods / 100));
  const collections: Record<string, { count: number; at: (index: number) => unknown }> = {
    '/api/v1/pods': { count: pods, at: (index) => podAt(index, nodes) },
    '/api/v1/nodes': { count: nodes, at: nodeAt },
    '/apis/apps/v1/deployments': { count: deployments, at: deploymentAt },
    '/apis/apps/v1/replicasets': { count: deployments * 2, at: replicaSetAt },
  };
  const broken = Array.from({ length: deployments }, (_, index) => index).filter(
    (d) => crashes(d) || cannotPull(d),
  ).length;
  return { deployments, nodes, collections, broken };
}

/** Starts the server with `pods` pods (a multiple of five). */
export async function startSimulatedCluster(pods: number): Promise<SimulatedCluster> {
  let current = shape(pods);
  let requests = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    requests += 1;
    const url = new URL(request.url ?? '/', 'http://x');
    const collection = current.collections[url.pathname];
    const send = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload);
      bytes += text.length;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(text);
    };
    if (request.method !== 'GET') return send(405, { kind: 'Status', code: 405, message: 'read-only' });
    if (collection === undefined) {
      // Every other kind, and the events of an object: nothing there.
      return send(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
    }
    const from = Number(url.searchParams.get('continue') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? String(collection.count));
    const to = Math.min(collection.count, from + (limit > 0 ? limit : collection.count));
    const items = Array.from({ length: to - from }, (_, offset) => collection.at(from + offset));
    send(200, {
      kind: 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: '400000', ...(to < collection.count ? { continue: String(to) } : {}) },
      items,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get broken() {
      return current.broken;
    },
    get deployments() {
      return current.deployments;
    },
    get nodes() {
      return current.nodes;
    },
    served: () => ({ requests, bytes }),
    resize: (size) => {
      current = shape(size);
      requests = 0;
      bytes = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
