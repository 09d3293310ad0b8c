import { describe, expect, it } from '@jest/globals';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';

import type { Plan } from '../../../lib/domain/types.ts';
import { ValidationError } from '../../../lib/errors.ts';
import {
  expandedSize,
  expandPvc,
  ExpandPvcLimitsSchema,
  resizeHealth,
  type ExpandPvcParams,
} from '../../../lib/remediate/expand-pvc.ts';
import { LimitsSchema } from '../../../lib/remediate/registry.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { LEDGER_PVC_UID, ledgerVolumeFacts, pvc, volumeFillingDiagnosis } from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** The merged config limits, as the fix receives them (its own schema keeps its keys). */
function limitsWith(overrides: Record<string, unknown> = {}) {
  return ExpandPvcLimitsSchema.parse(LimitsSchema.parse(overrides));
}
const defaults = limitsWith();

function expandLedger(from = '10Gi'): Plan & { params: ExpandPvcParams } {
  return {
    action: 'expand-pvc',
    target: { kind: 'PersistentVolumeClaim', namespace: 'payments', name: 'data-ledger-0', uid: LEDGER_PVC_UID },
    params: { from },
    reason: 'volume data-ledger-0 (10Gi) is filling up and storage class gp3 allows expansion',
  };
}

/** data-ledger-0 after its request went to 15Gi, with the conditions the resizer sets. */
function resizing(
  capacity: string,
  conditions: NonNullable<V1PersistentVolumeClaim['status']>['conditions'] = [],
): V1PersistentVolumeClaim {
  const claim = pvc();
  claim.spec!.resources!.requests = { storage: '15Gi' };
  claim.status = { ...claim.status!, capacity: { storage: capacity }, conditions };
  return claim;
}

describe('expand-pvc plan', () => {
  it('grows the filling claim, from the size it requests now', () => {
    expect(expandPvc.plan(volumeFillingDiagnosis(), defaults, now)).toEqual({
      action: 'expand-pvc',
      target: { kind: 'PersistentVolumeClaim', namespace: 'payments', name: 'data-ledger-0', uid: LEDGER_PVC_UID },
      params: { from: '10Gi' },
      reason: 'volume data-ledger-0 (10Gi) is filling up and storage class gp3 allows expansion',
    });
  });

  it('names the default storage class when the claim names none', () => {
    const diagnosis = volumeFillingDiagnosis({
      volume: ledgerVolumeFacts({ storageClass: undefined, capacity: undefined }),
    });

    expect(expandPvc.plan(diagnosis, defaults, now)).toMatchObject({
      reason: 'volume data-ledger-0 (10Gi) is filling up and storage class (default) allows expansion',
    });
  });

  it('refuses a volume whose storage class does not allow expansion', () => {
    const diagnosis = volumeFillingDiagnosis({
      volume: ledgerVolumeFacts({ storageClass: 'local-path', expandable: false }),
    });

    expect(expandPvc.plan(diagnosis, defaults, now)).toEqual({
      refused: 'storage class local-path does not allow volume expansion',
      fits: true,
    });
  });

  it('does not fit a diagnosis without volume facts', () => {
    expect(expandPvc.plan(volumeFillingDiagnosis({ volume: undefined }), defaults, now)).toEqual({
      refused: 'the diagnosis names no PersistentVolumeClaim',
      fits: false,
    });
  });

  it('does not answer another anomaly', () => {
    expect(expandPvc.plan(volumeFillingDiagnosis({}, 'gone'), defaults, now)).toEqual({
      refused: 'expand-pvc answers volume-filling, inodes-filling, not gone',
      fits: false,
    });
  });
});

describe('expandedSize', () => {
  it('grows the size by the default factor of 1.5', () => {
    expect(expandedSize({ from: '10Gi' }, defaults)).toBe('15Gi');
  });

  it.each([
    ['5Gi', '8Gi'],
    ['500Mi', '1Gi'],
    ['20G', '28Gi'],
  ])('rounds %s × 1.5 up to whole Gi: %s', (from, to) => {
    expect(expandedSize({ from }, defaults)).toBe(to);
  });

  it('caps the size at maxStorage', () => {
    expect(expandedSize({ from: '700Gi' }, defaults)).toBe('1Ti');
  });

  it.each(['1Ti', '2Ti'])('has nothing to grow %s to under the default maxStorage of 1Ti', (from) => {
    expect(expandedSize({ from }, defaults)).toBeUndefined();
  });

  it('uses a configured factor and cap', () => {
    expect(expandedSize({ from: '100Gi' }, limitsWith({ storageFactor: 2, maxStorage: '150Gi' }))).toBe('150Gi');
  });
});

describe('expand-pvc limits', () => {
  it('defaults storageFactor to 1.5 and maxStorage to 1Ti', () => {
    expect(defaults).toEqual({ storageFactor: 1.5, maxStorage: '1Ti' });
  });

  it('allows a size below maxStorage', () => {
    expect(expandPvc.exceeds!({ from: '1000Gi' }, defaults)).toBeUndefined();
  });

  it('refuses a size already at maxStorage', () => {
    expect(expandPvc.exceeds!({ from: '1Ti' }, defaults)).toBe('volume size 1Ti is already at maxStorage 1Ti');
  });

  it('refuses a size above maxStorage', () => {
    expect(expandPvc.exceeds!({ from: '1536Gi' }, defaults)).toBe('volume size 1536Gi is already at maxStorage 1Ti');
  });

  it('keeps to a configured maxStorage', () => {
    expect(expandPvc.exceeds!({ from: '1536Gi' }, limitsWith({ maxStorage: '2Ti' }))).toBeUndefined();
  });
});

describe('resizeHealth', () => {
  it('is healthy once the capacity reaches the new size', () => {
    expect(resizeHealth(resizing('15Gi'), '15Gi')).toEqual({ state: 'healthy', detail: 'capacity is 15Gi' });
  });

  it('is healthy when the volume grew and only its file system waits for a pod to mount it', () => {
    const pending = resizing('10Gi', [
      {
        type: 'FileSystemResizePending',
        status: 'True',
        message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
      },
    ]);

    expect(resizeHealth(pending, '15Gi')).toEqual({
      state: 'healthy',
      detail: 'the volume grew; its file system grows when a pod next mounts it',
    });
  });

  it('is progressing while the controller resizes the volume', () => {
    const going = resizing('10Gi', [{ type: 'Resizing', status: 'True' }]);

    expect(resizeHealth(going, '15Gi')).toEqual({ state: 'progressing', detail: 'capacity 10Gi, waiting for 15Gi' });
  });

  it('fails on a resize error', () => {
    const failed = resizing('10Gi', [
      {
        type: 'ControllerResizeError',
        status: 'True',
        message: 'resize volume "pvc-8a9b0c1d" by resizer "ebs.csi.aws.com" failed: VolumeModificationRateExceeded',
      },
    ]);

    expect(resizeHealth(failed, '15Gi')).toEqual({
      state: 'failed',
      detail:
        'resize failed: resize volume "pvc-8a9b0c1d" by resizer "ebs.csi.aws.com" failed: VolumeModificationRateExceeded',
    });
  });
});

describe('expand-pvc inspect', () => {
  it('finds nothing in the way of a Bound claim with a storage class', async () => {
    const state = await expandPvc.inspect(expandLedger(), new FakeKube().add(pvc()));

    expect(state).toEqual({
      annotations: pvc().metadata!.annotations,
      labels: { app: 'ledger' },
      blocker: undefined,
    });
  });

  it('blocks a claim that is not Bound', async () => {
    const pending = pvc();
    pending.status = { phase: 'Pending' };

    expect((await expandPvc.inspect(expandLedger(), new FakeKube().add(pending))).blocker).toBe(
      'the claim is Pending, not Bound',
    );
  });

  it('blocks a claim without a storage class', async () => {
    const statik = pvc();
    statik.spec!.storageClassName = '';

    expect((await expandPvc.inspect(expandLedger(), new FakeKube().add(statik))).blocker).toBe(
      'the claim has no storage class to expand through',
    );
  });
});

describe('expand-pvc apply', () => {
  it('raises the requested storage and records the new size for verification', async () => {
    const kube = new FakeKube().add(pvc());
    const plan = expandLedger();

    const applied = await expandPvc.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: 'expanded PVC payments/data-ledger-0 from 10Gi to 15Gi',
      diff: ['spec.resources.requests.storage: "10Gi" → "15Gi"'],
      undo: { size: '15Gi' },
    });
  });

  it('dry-runs the expansion without changing the claim', async () => {
    const kube = new FakeKube().add(pvc());
    const plan = expandLedger();

    const { change } = await expandPvc.apply(plan, plan.params, kube, { dryRun: true, limits: defaults });

    expect(change).toBe('would expand PVC payments/data-ledger-0 from 10Gi to 15Gi');
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', dryRun: true })]);
    expect((await kube.read('PersistentVolumeClaim', 'data-ledger-0', 'payments')).spec?.resources?.requests).toEqual({
      storage: '10Gi',
    });
  });

  it('writes nothing on a second run that finds the new size requested', async () => {
    const kube = new FakeKube().add(resizing('10Gi'));
    const plan = expandLedger();

    const applied = await expandPvc.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: 'PVC payments/data-ledger-0 from 10Gi to 15Gi: already expanded',
      diff: [],
      undo: { size: '15Gi' },
    });
    expect(kube.writes).toEqual([]);
  });

  it('refuses when the requested size changed since the diagnosis', async () => {
    const grown = pvc();
    grown.spec!.resources!.requests = { storage: '12Gi' };
    const kube = new FakeKube().add(grown);
    const plan = expandLedger();

    const attempt = expandPvc.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow('PVC payments/data-ledger-0 requests 12Gi now, not 10Gi');
  });

  it('refuses to write a size already at the cap', async () => {
    const plan = expandLedger('1Ti');

    await expect(
      expandPvc.apply(plan, plan.params, new FakeKube().add(pvc()), { dryRun: false, limits: defaults }),
    ).rejects.toThrow('volume size 1Ti is already at the cap');
  });
});

describe('expand-pvc check', () => {
  it('waits for the size it wrote', async () => {
    const kube = new FakeKube().add(resizing('10Gi', [{ type: 'Resizing', status: 'True' }]));
    const plan = expandLedger();

    expect(await expandPvc.check!(plan, plan.params, kube, { change: '', undo: { size: '15Gi' } }, now)).toEqual({
      state: 'progressing',
      detail: 'capacity 10Gi, waiting for 15Gi',
    });
  });
});
