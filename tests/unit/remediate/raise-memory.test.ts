import { describe, expect, it } from '@jest/globals';

import type { Plan } from '../../../lib/domain/types.ts';
import { ConflictError, ValidationError } from '../../../lib/errors.ts';
import type { Kind, KindObjects } from '../../../lib/kube/kinds.ts';
import {
  raisedMemory,
  raiseMemory,
  RaiseMemoryLimitsSchema,
  type RaiseMemoryParams,
} from '../../../lib/remediate/raise-memory.ts';
import { LimitsSchema } from '../../../lib/remediate/registry.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { deployment } from '../../helpers/fixtures.ts';
import {
  appContainerFacts,
  CHECKOUT_UID,
  checkoutWorkloadFacts,
  crashLoopDiagnosis,
  LEDGER_UID,
  oomKilledDiagnosis,
  statefulSet,
} from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** The merged config limits, as the fix receives them (its own schema keeps its keys). */
function limitsWith(overrides: Record<string, unknown> = {}) {
  return RaiseMemoryLimitsSchema.parse(LimitsSchema.parse(overrides));
}
const defaults = limitsWith();

function raiseCheckout(params: Partial<RaiseMemoryParams> = {}): Plan & { params: RaiseMemoryParams } {
  return {
    action: 'raise-memory',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
    params: { container: 'app', fromLimit: '256Mi', fromRequest: '128Mi', ...params },
    reason: 'container app was OOM-killed at its 256Mi limit after 14 restarts',
  };
}

/** A cluster where the first write meets a 409 (a controller's status update in between). */
class OnceConflictingKube extends FakeKube {
  conflicts = 1;

  override async patch<K extends Kind>(
    kind: K,
    name: string,
    namespace: string | undefined,
    body: Record<string, unknown>,
    options: { dryRun: boolean; resourceVersion?: string },
  ): Promise<KindObjects[K]> {
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      throw new ConflictError(`${kind.toLowerCase()} ${namespace ?? ''}/${name}: the object has been modified`);
    }
    return super.patch(kind, name, namespace, body, options);
  }
}

describe('raise-memory plan', () => {
  it('raises the memory of the OOM-killed container in the workload that runs it', () => {
    expect(raiseMemory.plan(oomKilledDiagnosis(), defaults, now)).toEqual({
      action: 'raise-memory',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
      params: { container: 'app', fromLimit: '256Mi', fromRequest: '128Mi' },
      reason:
        'container app was OOM-killed at its 256Mi limit after 14 restarts: more memory (limit 384Mi) stops the kills if the need is steady (not a leak)',
    });
  });

  it('leaves the request out of the params when the container sets none', () => {
    const diagnosis = oomKilledDiagnosis({ container: appContainerFacts({ memoryRequest: undefined }) });

    expect(raiseMemory.plan(diagnosis, defaults, now)).toMatchObject({
      params: { container: 'app', fromLimit: '256Mi' },
    });
    expect(raiseMemory.plan(diagnosis, defaults, now)).not.toHaveProperty('params.fromRequest');
  });

  it('says in its reason when the limit is already at maxMemory (the limits guard then refuses it)', () => {
    const diagnosis = oomKilledDiagnosis({ container: appContainerFacts({ memoryLimit: '4Gi' }) });

    expect(raiseMemory.plan(diagnosis, defaults, now)).toMatchObject({
      reason:
        'container app was OOM-killed at its 4Gi limit after 14 restarts: more memory (already at maxMemory 4Gi) stops the kills if the need is steady (not a leak)',
    });
  });

  it('refuses a container without a memory limit: there is nothing to raise', () => {
    const diagnosis = oomKilledDiagnosis({
      container: appContainerFacts({ memoryLimit: undefined, memoryRequest: undefined }),
    });

    expect(raiseMemory.plan(diagnosis, defaults, now)).toEqual({
      refused: 'container app has no memory limit to raise',
      fits: true,
    });
  });

  it('does not answer a crash that is not an OOM kill', () => {
    expect(raiseMemory.plan(crashLoopDiagnosis(), defaults, now)).toEqual({
      refused: 'raise-memory answers oom-killed, not crash-loop',
      fits: false,
    });
  });

  it('does not fit a diagnosis that names no workload', () => {
    expect(raiseMemory.plan(oomKilledDiagnosis({ workload: undefined }), defaults, now)).toEqual({
      refused: 'the diagnosis names no workload and container to raise the memory of',
      fits: false,
    });
  });

  // A template change rolls no pod of a paused Deployment or an OnDelete workload: the new limit
  // would reach nothing, and verification could only time out.
  it.each([
    ['a paused Deployment', checkoutWorkloadFacts({ paused: true })],
    ['an OnDelete StatefulSet', checkoutWorkloadFacts({ kind: 'StatefulSet', name: 'ledger', onDelete: true })],
  ])('refuses %s, whose pods a template change does not roll', (_what, workload) => {
    const planned = raiseMemory.plan(oomKilledDiagnosis({ workload }), defaults, now);

    expect(planned).toMatchObject({ fits: true });
  });
});

describe('raise-memory inspect', () => {
  it('hands the guardrails the workload’s annotations and labels', async () => {
    const kube = new FakeKube().add(deployment());

    expect(await raiseMemory.inspect(raiseCheckout(), kube)).toEqual({
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      labels: {},
    });
  });

  // Paused since the diagnosis: the preconditions guard refuses it before the write.
  it('blocks a Deployment paused since the diagnosis', async () => {
    const kube = new FakeKube().add(deployment({ paused: true }));

    expect((await raiseMemory.inspect(raiseCheckout(), kube)).blocker).toMatch(/paused/);
  });
});

describe('raisedMemory', () => {
  it('grows the limit and the request by the default factor of 1.5', () => {
    expect(raisedMemory({ container: 'app', fromLimit: '256Mi', fromRequest: '128Mi' }, defaults)).toEqual({
      limit: '384Mi',
      request: '192Mi',
    });
  });

  it('rounds up to whole Mi', () => {
    expect(raisedMemory({ container: 'app', fromLimit: '333Mi', fromRequest: '100M' }, defaults)).toEqual({
      limit: '500Mi',
      request: '144Mi',
    });
  });

  it('caps the limit at maxMemory and the request at the new limit', () => {
    expect(raisedMemory({ container: 'app', fromLimit: '3Gi', fromRequest: '3Gi' }, defaults)).toEqual({
      limit: '4Gi',
      request: '4Gi',
    });
  });

  it('grows a limit without a request alone', () => {
    expect(raisedMemory({ container: 'app', fromLimit: '1Gi' }, defaults)).toEqual({ limit: '1536Mi' });
  });

  it.each(['4Gi', '6Gi'])('has nothing to raise a limit of %s to under the default maxMemory of 4Gi', (fromLimit) => {
    expect(raisedMemory({ container: 'app', fromLimit }, defaults)).toBeUndefined();
  });

  it('uses a configured factor and cap', () => {
    const limits = limitsWith({ memoryFactor: 2, maxMemory: '8Gi' });

    expect(raisedMemory({ container: 'app', fromLimit: '3Gi', fromRequest: '1Gi' }, limits)).toEqual({
      limit: '6144Mi',
      request: '2048Mi',
    });
  });
});

describe('raise-memory limits', () => {
  it('defaults memoryFactor to 1.5 and maxMemory to 4Gi', () => {
    expect(defaults).toEqual({ memoryFactor: 1.5, maxMemory: '4Gi' });
  });

  it('allows a limit below maxMemory', () => {
    expect(raiseMemory.exceeds!({ container: 'app', fromLimit: '3Gi' }, defaults)).toBeUndefined();
  });

  it('refuses a limit already at maxMemory', () => {
    expect(raiseMemory.exceeds!({ container: 'app', fromLimit: '4Gi' }, defaults)).toBe(
      'memory limit 4Gi is already at maxMemory 4Gi',
    );
  });

  it('refuses a limit above maxMemory', () => {
    expect(raiseMemory.exceeds!({ container: 'app', fromLimit: '6Gi' }, defaults)).toBe(
      'memory limit 6Gi is already at maxMemory 4Gi',
    );
  });

  it('keeps to a configured maxMemory', () => {
    expect(
      raiseMemory.exceeds!({ container: 'app', fromLimit: '6Gi' }, limitsWith({ maxMemory: '8Gi' })),
    ).toBeUndefined();
  });
});

describe('raise-memory apply', () => {
  it('raises the limit and request in the pod template and records the new values for the undo', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = raiseCheckout();

    const applied = await raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change:
        'raised memory of container app in deployment payments/checkout: limit 256Mi → 384Mi, request 128Mi → 192Mi',
      diff: [
        'spec.template.spec.containers[0].resources.limits.memory: "256Mi" → "384Mi"',
        'spec.template.spec.containers[0].resources.requests.memory: "128Mi" → "192Mi"',
      ],
      undo: { limit: '384Mi', request: '192Mi' },
    });
  });

  it('changes only the memory of the named container, keeping its CPU', async () => {
    const kube = new FakeKube().add(statefulSet());
    const plan: Plan & { params: RaiseMemoryParams } = {
      ...raiseCheckout({ fromLimit: '1Gi', fromRequest: '512Mi' }),
      target: { kind: 'StatefulSet', namespace: 'payments', name: 'ledger', uid: LEDGER_UID },
    };

    await raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    const ledger = await kube.read('StatefulSet', 'ledger', 'payments');
    expect(ledger.spec?.template.spec?.containers[0]?.resources).toEqual({
      limits: { memory: '1536Mi', cpu: '500m' },
      requests: { memory: '768Mi', cpu: '250m' },
    });
  });

  it('dry-runs the change without touching the Deployment', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = raiseCheckout();

    const { change } = await raiseMemory.apply(plan, plan.params, kube, { dryRun: true, limits: defaults });

    expect(change).toMatch(/^would raise memory of container app in deployment payments\/checkout/);
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', dryRun: true })]);
    expect((await kube.getDeployment('payments', 'checkout')).spec).toEqual(deployment().spec);
  });

  it('writes nothing on a second run that finds the raised values', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = raiseCheckout();
    await raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });
    kube.writes.length = 0;

    const applied = await raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied.change).toMatch(/: already raised$/);
    expect(applied.diff).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('refuses when the container’s memory changed since the diagnosis', async () => {
    const changed = deployment();
    changed.spec!.template.spec!.containers[0]!.resources!.limits = { memory: '512Mi' };
    const kube = new FakeKube().add(changed);
    const plan = raiseCheckout();

    const attempt = raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(
      'container app has memory limit 512Mi and request 128Mi now, not 256Mi and 128Mi',
    );
    expect(kube.writes).toEqual([]);
  });

  it('refuses a container the workload does not have', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = raiseCheckout({ container: 'sidecar' });

    await expect(raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults })).rejects.toThrow(
      'deployment payments/checkout has no container sidecar',
    );
  });

  it('reads again and writes after a conflict that left the memory as diagnosed', async () => {
    const kube = new OnceConflictingKube().add(deployment());
    const plan = raiseCheckout();

    await raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(kube.writes).toHaveLength(1);
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.spec?.containers[0]?.resources).toEqual({
      limits: { memory: '384Mi' },
      requests: { memory: '192Mi' },
    });
  });

  it('refuses to write a limit already at the cap', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = raiseCheckout({ fromLimit: '4Gi' });

    await expect(raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults })).rejects.toThrow(
      'memory limit 4Gi is already at the cap',
    );
    expect(kube.writes).toEqual([]);
  });
});

describe('raise-memory revert', () => {
  it('sets the recorded limit and request back', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = raiseCheckout();
    const applied = await raiseMemory.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    const undone = await raiseMemory.revert!(plan, plan.params, kube, applied);

    expect(undone).toBe('set the memory of container app back to limit 256Mi, request 128Mi');
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.spec?.containers[0]?.resources).toEqual({
      limits: { memory: '256Mi' },
      requests: { memory: '128Mi' },
    });
  });
});
