// From an alert to a recorded, verified rollout restart on the real control plane, as the one
// `kubemend` identity: wall time, and every API request it made (read from the API server's audit
// log) against the minimum such a fix needs.
//
//   npm run bench:alert-to-fix
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { detectors } from '../lib/detect/registry.ts';
import { configKillSwitch } from '../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../lib/guardrails/target-guard.ts';
import { handleAlert } from '../lib/pipeline/detect.ts';
import type { PlanMessage } from '../lib/pipeline/messages.ts';
import { handlePlan } from '../lib/pipeline/remediate.ts';
import { remediators } from '../lib/remediate/registry.ts';
import { DatabaseSync } from 'node:sqlite';
import { memoryStore, recordingQueue, silentLogger, testConfig } from '../tests/helpers/support.ts';
import {
  applyShippedRbac,
  crashLoopAlertFor,
  createCrashLoopingDeployment,
  createNamespace,
  kubeApiFor,
  providerFor,
  recordBackOffEvent,
} from '../tests/testenv/cluster.ts';
import { startControlPlane } from '../tests/testenv/control-plane.ts';
import { killStale } from '../tests/testenv/processes.ts';

/** What a rollout restart cannot do without: read the pod, its ReplicaSet, its Deployment and its events; read the Deployment again before writing; write it. */
const MINIMUM = [
  'get pods',
  'get replicasets',
  'get deployments',
  'list events',
  'get deployments',
  'patch deployments',
];

killStale();
const controlPlane = await startControlPlane({ audit: true });
try {
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  await applyShippedRbac();
  const namespace = await createNamespace('bench-fix');
  const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
  await recordBackOffEvent(pods[0]!);
  const config = testConfig({
    defaults: { verify: { timeoutSeconds: 60, intervalSeconds: 1 } },
    rules: [
      {
        alertname: 'KubePodCrashLooping',
        detector: 'crash-loop',
        mode: 'enforce',
        fixes: { 'crash-loop': 'rollout-restart' },
      },
    ],
  });
  const store = memoryStore();
  const plans = recordingQueue<PlanMessage>();
  const kube = providerFor('kubemend');
  const common = { store, config, kube, clock: () => new Date(), logger: silentLogger, leaseMs: 120_000 };
  const auditLog = join(controlPlane.workDir, 'audit.log');
  const before = readFileSync(auditLog, 'utf8').split('\n').length;

  const started = performance.now();
  const alert = crashLoopAlertFor(pods[0]!);
  await handleAlert(
    { kind: 'alert', alert, receivedAt: new Date().toISOString(), receiver: 'kubemend', groupKey: 'g' },
    { ...common, detectors, plans },
  );
  const outcome = await handlePlan(plans.sent[0]!, {
    ...common,
    remediators,
    killSwitch: configKillSwitch(false),
    targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
  });
  const elapsed = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500));

  const events = readFileSync(auditLog, 'utf8')
    .split('\n')
    .slice(before - 1)
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          user: { username: string };
          verb: string;
          objectRef?: { resource?: string; subresource?: string };
          requestURI: string;
          stageTimestamp: string;
        },
    )
    .filter((event) => event.user.username === 'kubemend');
  // Up to the write (the log is in completion order; nothing verifies before the write answered).
  const write = events.findIndex((event) => event.verb === 'patch' && event.objectRef?.resource === 'deployments');
  const phase = (event: (typeof events)[number]) =>
    write !== -1 && events.indexOf(event) <= write ? 'diagnose and fix' : 'verify';
  const key = (event: (typeof events)[number]) =>
    event.objectRef?.resource === undefined
      ? `discovery ${event.requestURI}`
      : `${event.verb} ${event.objectRef.resource}${event.objectRef.subresource ? `/${event.objectRef.subresource}` : ''}`;
  const counts = new Map<string, number>();
  for (const event of events)
    counts.set(`${phase(event)}|${key(event)}`, (counts.get(`${phase(event)}|${key(event)}`) ?? 0) + 1);

  console.log(
    `alert to fix: ${outcome.result} (${outcome.verification?.status ?? 'no verification'}), Kubernetes ${controlPlane.version}`,
  );
  console.log('| phase            | request                              | count |');
  console.log('| ---------------- | ------------------------------------ | ----- |');
  for (const [entry, count] of [...counts].sort()) {
    const [p, request] = entry.split('|');
    console.log(`| ${p!.padEnd(16)} | ${request!.padEnd(36)} | ${String(count).padStart(5)} |`);
  }
  const toFix = events.filter((e) => phase(e) === 'diagnose and fix').length;
  const toWrite = Date.parse(outcome.timings.appliedAt ?? '') - Date.parse(outcome.timings.receivedAt);
  // The minimum's own time: its six requests back to back on a fresh connection, as a client
  // that knew the answer in advance would send them (the write as a server-side dry run, so the
  // Deployment is not restarted again). Median of five.
  // A pod of the new revision (the restart replaced the one the alert named).
  const api0 = kubeApiFor('kubemend');
  const pod = (await api0.list('Pod', { namespace, labelSelector: 'app=checkout' }))[0]!;
  const podName = pod.metadata!.name!;
  const replicaSet = pod.metadata!.ownerReferences![0]!.name;
  const minimumRuns: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const api = kubeApiFor('kubemend');
    const from = performance.now();
    await api.getPod(namespace, podName);
    await api.getReplicaSet(namespace, replicaSet);
    await api.getDeployment(namespace, 'checkout');
    await api.listWarningEvents(namespace, { kind: 'Pod', name: podName });
    await api.getDeployment(namespace, 'checkout');
    await api.patch(
      'Deployment',
      'checkout',
      namespace,
      { spec: { template: { metadata: { annotations: { 'kubemend.bench/minimum': String(run) } } } } },
      { dryRun: true },
    );
    minimumRuns.push(performance.now() - from);
  }
  const minimumMs = [...minimumRuns].sort((a, b) => a - b)[2]!;
  console.log(
    `\nto the write: ${toFix} requests (minimum ${MINIMUM.length}: ${(toFix / MINIMUM.length).toFixed(2)}×), ${toWrite} ms from receipt` +
      ` (the minimum's requests alone: ${minimumMs.toFixed(0)} ms; ${(toWrite / minimumMs).toFixed(2)}×);` +
      ` verified and recorded: ${events.length} requests, ${elapsed.toFixed(0)} ms in all`,
  );
} finally {
  await controlPlane.stop();
}
