import { describe, expect, it } from '@jest/globals';
import * as z from 'zod';

import { detectors } from '../../../lib/detect/registry.ts';
import { FACT_KEYS } from '../../../lib/domain/facts.ts';
import { findRemediator, LimitsSchema, limitsSchemaOf, remediators } from '../../../lib/remediate/registry.ts';
import { raiseHpaMax } from '../../../lib/remediate/raise-hpa-max.ts';
import { scale } from '../../../lib/remediate/scale.ts';

const each = remediators.map((remediator) => [remediator.action, remediator] as const);

/** Every anomaly a detector in this build reports, with the facts that come with it. */
const reported = detectors.flatMap((detector) =>
  Object.entries(detector.anomalies).map(([anomaly, facts]) => ({ at: `${detector.name}/${anomaly}`, anomaly, facts })),
);

describe('remediator registry', () => {
  it('lists each action once', () => {
    const actions = remediators.map((remediator) => remediator.action);

    expect(new Set(actions).size).toBe(actions.length);
  });

  it.each(each)('%s declares the RBAC rules it needs, each with verbs', (_action, remediator) => {
    expect(remediator.permissions.length).toBeGreaterThan(0);
    for (const permission of remediator.permissions) expect(permission.verbs.length).toBeGreaterThan(0);
  });

  it.each(each)('%s says how it is verified and how it is undone', (_action, remediator) => {
    expect(remediator.verify.trim()).not.toBe('');
    expect(remediator.undo.trim()).not.toBe('');
    expect(remediator.description.trim()).not.toBe('');
  });

  it.each(each)('%s needs only facts a diagnosis can carry', (_action, remediator) => {
    for (const need of remediator.needs) expect(FACT_KEYS).toContain(need);
  });

  it.each(each)('%s answers only anomalies some detector reports', (_action, remediator) => {
    for (const anomaly of remediator.answers ?? []) {
      expect(reported.map((r) => r.anomaly)).toContain(anomaly);
    }
  });

  it.each(each.filter(([, remediator]) => remediator.answers?.length !== 0))(
    '%s can be fed: some anomaly it answers is reported with every fact it needs',
    (_action, remediator) => {
      const feeders = reported
        .filter((r) => remediator.answers === undefined || remediator.answers.includes(r.anomaly))
        .filter((r) => remediator.needs.every((need) => r.facts.includes(need)))
        .map((r) => r.at);

      expect(feeders).not.toEqual([]);
    },
  );

  it('runs scale by hand only: it answers no anomaly and needs no fact', () => {
    expect(scale.answers).toEqual([]);
    expect(scale.needs).toEqual([]);
  });

  it('finds a remediator by its action', () => {
    expect(findRemediator('raise-hpa-max')).toBe(raiseHpaMax);
    expect(findRemediator('rollout-pause')).toBeUndefined();
  });
});

describe('LimitsSchema', () => {
  it('holds exactly the limits the fixes own, each owned by one fix', () => {
    const owned = remediators.flatMap((remediator) => Object.keys(remediator.limits?.shape ?? {}));

    expect(new Set(owned).size).toBe(owned.length);
    expect(Object.keys(LimitsSchema.shape).sort()).toEqual([...owned].sort());
  });

  it('defaults each limit as the fix that owns it does', () => {
    const ownDefaults: Record<string, unknown> = {};
    for (const remediator of remediators) {
      const own: unknown = remediator.limits?.parse({});
      Object.assign(ownDefaults, own);
    }

    expect(LimitsSchema.parse({})).toEqual(ownDefaults);
  });

  it('has the documented defaults', () => {
    expect(LimitsSchema.parse({})).toEqual({
      maxReplicas: 20,
      maxHpaReplicas: 50,
      memoryFactor: 1.5,
      maxMemory: '4Gi',
      storageFactor: 1.5,
      maxStorage: '1Ti',
      drainTimeoutSeconds: 120,
    });
  });

  it('rejects a limit no fix owns', () => {
    expect(() => LimitsSchema.parse({ maxPods: 3 })).toThrow();
  });

  it('validates an override with the owning fix’s schema', () => {
    expect(() => LimitsSchema.parse({ maxMemory: 'lots' })).toThrow('expected a quantity such as 4Gi');
    expect(LimitsSchema.parse({ maxMemory: '8Gi' })).toMatchObject({ maxMemory: '8Gi', memoryFactor: 1.5 });
  });

  it('is built from whichever registry it is given', () => {
    const schema = limitsSchemaOf([scale, raiseHpaMax]);

    expect(schema.parse({})).toEqual({ maxReplicas: 20, maxHpaReplicas: 50 });
    expect(limitsSchemaOf([]).parse({})).toEqual({});
    expect(schema).toBeInstanceOf(z.ZodObject);
  });
});
