import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import type { Plan } from '../../../lib/domain/types.ts';
import { decide } from '../../../lib/policy/policy.ts';
import { testConfig } from '../../helpers/support.ts';

const plan = (namespace = 'payments', action = 'rollout-restart'): Plan => ({
  action,
  target: { kind: 'Deployment', namespace, name: 'checkout' },
  params: {},
  reason: 'test',
});

function setup(rule: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}) {
  const config = testConfig({
    defaults: { mode: 'dry-run', namespaces: { deny: ['kube-system'] }, ...defaults },
    rules: [{ alertname: 'KubePodCrashLooping', detector: 'crash-loop', fixes: { 'crash-loop': 'rollout-restart' }, ...rule }],
  });
  return { config, rule: config.rules[0]! };
}

describe('policy', () => {
  it('allows an enabled action in dry-run by default', () => {
    const { config, rule } = setup();

    expect(decide(plan(), rule, config, { annotations: {} })).toEqual({
      allowed: true,
      mode: 'dry-run',
      reason: expect.stringContaining('dry-run'),
    });
  });

  it("uses the rule's own mode over the default", () => {
    const { config, rule } = setup({ mode: 'enforce' });

    expect(decide(plan(), rule, config, { annotations: {} }).mode).toBe('enforce');
  });

  it('lowers a rule to the most cautious mode its namespace patterns set, never raises it', () => {
    const { config, rule } = setup(
      { mode: 'enforce' },
      { namespaceModes: { 'team-*': 'dry-run', 'team-legacy': 'observe', staging: 'enforce' } },
    );
    const dryRunRule = { ...rule, mode: 'dry-run' as const };

    expect(decide(plan('team-web'), rule, config, { annotations: {} }).mode).toBe('dry-run');
    expect(decide(plan('team-legacy'), rule, config, { annotations: {} }).mode).toBe('observe');
    expect(decide(plan('payments'), rule, config, { annotations: {} }).mode).toBe('enforce');
    expect(decide(plan('staging'), dryRunRule, config, { annotations: {} }).mode).toBe('dry-run');
  });

  it("refuses a target outside the rule's label selector", () => {
    const { config, rule } = setup({ selector: { tier: 'web', 'kubemend.io/managed': 'true' } });

    expect(
      decide(plan(), rule, config, { annotations: {}, labels: { tier: 'web', 'kubemend.io/managed': 'true' } }).allowed,
    ).toBe(true);
    expect(decide(plan(), rule, config, { annotations: {}, labels: { tier: 'db' } })).toEqual({
      allowed: false,
      mode: 'dry-run',
      reason: "Deployment payments/checkout is outside the rule's selector (tier=web, kubemend.io/managed=true)",
    });
  });

  it('refuses an action the rule does not enable', () => {
    const { config, rule } = setup();

    const decision = decide(plan('payments', 'delete-pod'), rule, config, { annotations: {} });

    expect(decision.allowed).toBe(false);
    expect(decision.reason).toBe(
      'action "delete-pod" is not enabled for KubePodCrashLooping (enabled: rollout-restart)',
    );
  });

  it('refuses a namespace on the deny list even when the allow list matches it', () => {
    const { config, rule } = setup({ namespaces: { allow: ['*'], deny: ['payments'] } });

    expect(decide(plan(), rule, config, { annotations: {} })).toMatchObject({
      allowed: false,
      reason: 'namespace payments is on the deny list',
    });
  });

  it('keeps the default deny list when a rule sets only an allow list', () => {
    const { config, rule } = setup({ namespaces: { allow: ['kube-*', 'payments'] } });

    expect(decide(plan('kube-system'), rule, config, { annotations: {} }).allowed).toBe(false);
    expect(decide(plan('payments'), rule, config, { annotations: {} }).allowed).toBe(true);
  });

  it('refuses a namespace outside the allow list, with prefix patterns', () => {
    const { config, rule } = setup({ namespaces: { allow: ['team-*'] } });

    expect(decide(plan('team-a'), rule, config, { annotations: {} }).allowed).toBe(true);
    expect(decide(plan('payments'), rule, config, { annotations: {} })).toMatchObject({
      allowed: false,
      reason: 'namespace payments is not on the allow list',
    });
  });

  it('refuses a target that opts out by annotation, in any mode', () => {
    const { config, rule } = setup({ mode: 'enforce' });

    const decision = decide(plan(), rule, config, { annotations: { 'kubemend.io/opt-out': 'True' } });

    expect(decision).toMatchObject({ allowed: false, mode: 'enforce' });
    expect(decision.reason).toContain('opts out with annotation kubemend.io/opt-out=true');
  });

  it('ignores an opt-out annotation set to anything but true', () => {
    const { config, rule } = setup();

    expect(decide(plan(), rule, config, { annotations: { 'kubemend.io/opt-out': 'false' } }).allowed).toBe(true);
  });

  it('never allows a denied namespace, whatever the mode, allow list or annotations', () => {
    const namespace = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    fc.assert(
      fc.property(
        namespace,
        fc.constantFrom('observe', 'dry-run', 'enforce'),
        fc.array(namespace),
        fc.dictionary(fc.string(), fc.string()),
        (ns, mode, allow, annotations) => {
          const { config, rule } = setup({ mode, namespaces: { allow: ['*', ...allow], deny: [ns] } });
          expect(decide(plan(ns), rule, config, { annotations }).allowed).toBe(false);
        },
      ),
    );
  });
});
