import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { checkNamespace, namespaces } from '../../../lib/guardrails/namespace.ts';
import { guardContext, restartPlan } from '../../helpers/guard-context.ts';

describe('namespaces guard', () => {
  it('allows a namespace neither list names', () => {
    expect(namespaces.check(guardContext())).toEqual({ allowed: true });
  });

  it('refuses a namespace on the deny list even when the allow list matches it', () => {
    const context = guardContext({ rule: { namespaces: { allow: ['*'], deny: ['payments'] } } });

    expect(namespaces.check(context)).toEqual({
      allowed: false,
      result: 'refused',
      reason: 'namespace payments is on the deny list',
    });
  });

  it('keeps the default deny list when a rule sets only an allow list', () => {
    const rule = { namespaces: { allow: ['kube-*', 'payments'] } };

    expect(namespaces.check(guardContext({ rule, plan: restartPlan('kube-system') }))).toMatchObject({
      allowed: false,
    });
    expect(namespaces.check(guardContext({ rule, plan: restartPlan('payments') }))).toEqual({ allowed: true });
  });

  it('refuses a namespace outside the allow list, with prefix patterns', () => {
    const rule = { namespaces: { allow: ['team-*'] } };

    expect(namespaces.check(guardContext({ rule, plan: restartPlan('team-a') }))).toEqual({ allowed: true });
    expect(namespaces.check(guardContext({ rule, plan: restartPlan('payments') }))).toMatchObject({
      reason: 'namespace payments is not on the allow list',
    });
  });

  it('refuses the control plane’s namespaces whatever the lists say', () => {
    for (const namespace of ['kube-system', 'kube-public', 'kube-node-lease']) {
      for (const filter of [{ allow: ['*'], deny: [] }, { allow: ['kube-*'] }, { deny: ['legacy'] }, {}]) {
        expect(checkNamespace(namespace, filter)).toBe(
          `namespace ${namespace} is the control plane's: kubemend never changes it`,
        );
      }
    }
  });

  it('lets a cluster-scoped target (no namespace) through', () => {
    expect(checkNamespace(undefined, { allow: ['team-*'], deny: ['*'] })).toBeUndefined();
  });

  it('never allows a denied namespace, whatever the allow list', () => {
    const namespace = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    fc.assert(
      fc.property(namespace, fc.array(namespace), (ns, allow) => {
        expect(checkNamespace(ns, { allow: ['*', ...allow], deny: [ns] })).toBe(`namespace ${ns} is on the deny list`);
      }),
    );
  });
});
