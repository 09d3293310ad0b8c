import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  admin,
  applyShippedRbac,
  createDeployment,
  createNamespace,
  rolledOut,
  testKubeconfig,
} from '../testenv/cluster.ts';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/kubemend.ts');

/** `kubemend run` as an operator types it, against the real control plane, as the `kubemend` identity. */
describe('kubemend run', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-cli-run-'));
  const kubemend = async (...args: string[]) => {
    const { stdout } = await exec(
      process.execPath,
      [CLI, ...args, '--data-dir', dataDir, '--context', 'kubemend', '--output', 'json'],
      { env: { PATH: process.env.PATH, HOME: dataDir, KUBECONFIG: testKubeconfig(), KUBEMEND_LOG_LEVEL: 'silent' } },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    await applyShippedRbac();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('dry-runs by default, then applies and verifies in enforce, recording who asked', async () => {
    const namespace = await createNamespace('cli-run');
    await createDeployment(namespace, 'api', { replicas: 1 });
    await rolledOut(namespace, 'api', 1);
    const scale = ['run', 'scale', 'deployment/api', '-n', namespace, '--param', 'from=1', '--param', 'replicas=2'];

    const dryRun = await kubemend(...scale, '--by', 'alice');
    const applied = await kubemend(...scale, '--by', 'alice', '--mode', 'enforce');

    expect(dryRun).toMatchObject({
      result: 'dry-run',
      change: `would scale deployment ${namespace}/api from 1 to 2 replicas`,
      diff: ['spec.replicas: 1 → 2'],
      trigger: { kind: 'manual', by: 'alice', mode: 'dry-run' },
    });
    expect(applied).toMatchObject({
      result: 'applied',
      trigger: { kind: 'manual', by: 'alice', mode: 'enforce' },
      verification: { status: 'verified', detail: 'all 2 replicas updated and available' },
    });
    expect((await admin().apps.readNamespacedDeployment({ namespace, name: 'api' })).spec?.replicas).toBe(2);
  }, 120_000);

  it('restarts with only the target given, and refuses a fix missing its params as usage, recording nothing', async () => {
    const namespace = await createNamespace('cli-run');
    await createDeployment(namespace, 'web', { replicas: 1 });
    await rolledOut(namespace, 'web', 1);

    // stdout is the answer alone: it parses as JSON whole.
    const restart = await kubemend('run', 'rollout-restart', 'deploy/web', '-n', namespace, '--reason', 'stuck');

    expect(restart).toMatchObject({
      result: 'dry-run',
      plan: { action: 'rollout-restart', params: { restartedAt: expect.any(String) }, reason: 'stuck' },
    });
    // The replica count is read off the Deployment; the new one is the person's to give.
    const missing = await kubemend('run', 'scale', 'deployment/web', '-n', namespace).catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: 2, stderr: 'kubemend: scale by hand: --param replicas=… is missing\n' });
    const gone = await kubemend('run', 'scale', 'deploy/nope', '-n', namespace, '--param', 'replicas=2').catch(
      (error: unknown) => error,
    );
    expect(gone).toMatchObject({
      code: 2,
      stderr: `kubemend: scale by hand: deployment ${namespace}/nope not found\n`,
    });
    const history = await exec(
      process.execPath,
      [CLI, 'history', '--data-dir', dataDir, '--namespace', namespace, '--output', 'json'],
      { env: { PATH: process.env.PATH, HOME: dataDir, KUBEMEND_LOG_LEVEL: 'silent' } },
    );
    expect((JSON.parse(history.stdout) as { plan?: { action: string } }[]).map((r) => r.plan?.action)).toEqual([
      'rollout-restart',
    ]);
  }, 120_000);

  it('refuses a kubeconfig context that does not exist before anything starts, listing the known ones', async () => {
    const env = { PATH: process.env.PATH, HOME: dataDir, KUBECONFIG: testKubeconfig(), KUBEMEND_LOG_LEVEL: 'silent' };
    const known = `does not exist in ${testKubeconfig()} (known: admin, detector, remediator, kubemend, nobody)`;

    await expect(
      exec(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--context', 'kubemnd'], { env }),
    ).rejects.toMatchObject({ code: 2, stderr: `kubemend: kubeconfig context "kubemnd" ${known}\n` });
    await expect(
      exec(
        process.execPath,
        [CLI, 'run', 'rollout-restart', 'deployment/web', '-n', 'x', '--data-dir', dataDir, '--context', 'nope'],
        { env },
      ),
    ).rejects.toMatchObject({ code: 2, stderr: `kubemend: kubeconfig context "nope" ${known}\n` });
  });

  it('says what is wrong with a target it cannot parse', async () => {
    await expect(kubemend('run', 'scale', 'checkout')).rejects.toMatchObject({
      stderr: expect.stringContaining('target must be kind/name with a known kind'),
    });
  });

  it('stops every write while the kill switch is on, and writes again once it is off, with nothing restarted', async () => {
    const namespace = await createNamespace('cli-run');
    await createDeployment(namespace, 'cache', { replicas: 1 });
    await rolledOut(namespace, 'cache', 1);
    const env = { PATH: process.env.PATH, HOME: dataDir, KUBEMEND_USER: 'alice', KUBEMEND_LOG_LEVEL: 'silent' };
    const killSwitch = async (...args: string[]) =>
      JSON.parse(
        (await exec(process.execPath, [CLI, 'kill-switch', ...args, '--data-dir', dataDir, '-o', 'json'], { env }))
          .stdout,
      ) as Record<string, unknown>;
    const scale = [
      'run',
      'scale',
      'deploy/cache',
      '-n',
      namespace,
      '--param',
      'from=1',
      '--param',
      'replicas=2',
      '--mode',
      'enforce',
    ];

    expect(await killSwitch('on', '--reason', 'incident 42')).toMatchObject({
      on: true,
      by: 'alice',
      why: 'incident 42',
    });
    const stopped = await kubemend(...scale).catch((error: { code: number; stdout: string }) => error);
    expect((stopped as { code: number }).code).toBe(1);
    expect(JSON.parse((stopped as { stdout: string }).stdout)).toMatchObject({
      result: 'refused',
      reason: expect.stringContaining('the kill switch is on (kubemend kill-switch on by alice: incident 42)'),
    });
    expect((await admin().apps.readNamespacedDeployment({ namespace, name: 'cache' })).spec?.replicas).toBe(1);

    expect(await killSwitch('off')).toMatchObject({ on: false, by: 'alice' });
    expect(await kubemend(...scale)).toMatchObject({ result: 'applied' });
    expect((await admin().apps.readNamespacedDeployment({ namespace, name: 'cache' })).spec?.replicas).toBe(2);
  }, 120_000);

  it('takes the kubeconfig file from --kubeconfig as kubectl does, and names one that is not there', async () => {
    const namespace = await createNamespace('cli-run');
    await createDeployment(namespace, 'docs', { replicas: 1 });
    await rolledOut(namespace, 'docs', 1);
    // No KUBECONFIG in the environment and none in HOME: only the flag says where the cluster is.
    const env = { PATH: process.env.PATH, HOME: dataDir, KUBEMEND_LOG_LEVEL: 'silent' };
    const args = [
      'run',
      'rollout-restart',
      'deploy/docs',
      '-n',
      namespace,
      '--data-dir',
      dataDir,
      '--context',
      'kubemend',
    ];

    const { stdout } = await exec(process.execPath, [CLI, ...args, '--kubeconfig', testKubeconfig(), '-o', 'json'], {
      env,
    });
    expect(JSON.parse(stdout)).toMatchObject({ result: 'dry-run' });
    await expect(
      exec(process.execPath, [CLI, ...args, '--kubeconfig', join(dataDir, 'nope.yaml')], { env }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: `kubemend: --kubeconfig ${join(dataDir, 'nope.yaml')}: no such file\n`,
    });
  }, 120_000);

  it('reads what a fix checks before it writes off the target: a scale given only its new count, a pod given only its name', async () => {
    const namespace = await createNamespace('cli-run');
    await createDeployment(namespace, 'cart', { replicas: 2 });
    await rolledOut(namespace, 'cart', 2);
    const pod = (await admin().core.listNamespacedPod({ namespace, labelSelector: 'app=cart' })).items[0]!;

    const scaled = await kubemend('run', 'scale', 'deploy/cart', '-n', namespace, '--param', 'replicas=3');
    const deleted = await kubemend('run', 'delete-pod', `po/${pod.metadata!.name!}`, '-n', namespace);

    expect(scaled).toMatchObject({
      result: 'dry-run',
      plan: { params: { from: 2, replicas: 3 } },
      diff: ['spec.replicas: 2 → 3'],
    });
    expect(deleted).toMatchObject({
      result: 'dry-run',
      plan: { target: { kind: 'Pod', uid: pod.metadata!.uid }, params: { uid: pod.metadata!.uid } },
    });
  }, 120_000);
});
