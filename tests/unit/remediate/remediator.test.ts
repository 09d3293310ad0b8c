import { describe, expect, it } from '@jest/globals';

import type { Plan } from '../../../lib/domain/types.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { answersRefusal, isRefusal, metadataFacts, requireNamespace } from '../../../lib/remediate/remediator.ts';
import { deployment } from '../../helpers/fixtures.ts';
import { hpaMaxedOutDiagnosis } from '../../helpers/remediate-fixtures.ts';

describe('answersRefusal', () => {
  it('lets a fix that lists no anomalies answer any', () => {
    expect(answersRefusal({ action: 'rollout-restart' }, hpaMaxedOutDiagnosis())).toBeUndefined();
  });

  it('lets a fix answer an anomaly it lists', () => {
    expect(
      answersRefusal({ action: 'raise-hpa-max', answers: ['hpa-maxed-out'] }, hpaMaxedOutDiagnosis()),
    ).toBeUndefined();
  });

  it('says which anomalies a fix answers when this one is not among them (the next fix is tried)', () => {
    expect(answersRefusal({ action: 'expand-pvc', answers: ['volume-filling'] }, hpaMaxedOutDiagnosis())).toEqual({
      refused: 'expand-pvc answers volume-filling, not hpa-maxed-out',
      fits: false,
    });
  });

  it('says a fix with an empty list is run by hand only', () => {
    expect(answersRefusal({ action: 'scale', answers: [] }, hpaMaxedOutDiagnosis())).toEqual({
      refused: 'scale is run by hand only (kubemend run)',
      fits: false,
    });
  });
});

describe('isRefusal', () => {
  it('tells a refusal from a plan', () => {
    const plan: Plan = { action: 'scale', target: { kind: 'Deployment', name: 'checkout' }, params: {}, reason: '' };

    expect(isRefusal({ refused: 'no', fits: true })).toBe(true);
    expect(isRefusal(plan)).toBe(false);
  });
});

describe('metadataFacts', () => {
  it('copies the annotations and labels, so the guardrails cannot change the object', () => {
    const object = deployment();
    object.metadata!.labels = { app: 'checkout', team: 'payments' };

    const facts = metadataFacts(object);
    facts.annotations.extra = 'x';

    expect(facts).toEqual({
      annotations: { 'deployment.kubernetes.io/revision': '3', extra: 'x' },
      labels: { app: 'checkout', team: 'payments' },
    });
    expect(object.metadata!.annotations).toEqual({ 'deployment.kubernetes.io/revision': '3' });
  });

  it('gives empty maps for an object without metadata', () => {
    expect(metadataFacts({})).toEqual({ annotations: {}, labels: {} });
  });
});

describe('requireNamespace', () => {
  it('returns the namespace of a namespaced target', () => {
    const plan: Plan = {
      action: 'scale',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      params: {},
      reason: '',
    };

    expect(requireNamespace(plan)).toBe('payments');
  });

  it('rejects a plan whose target has no namespace', () => {
    const plan: Plan = {
      action: 'delete-pod',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p' },
      params: {},
      reason: '',
    };

    expect(() => requireNamespace(plan)).toThrow(ValidationError);
    expect(() => requireNamespace(plan)).toThrow(
      'plan delete-pod targets Pod checkout-7d9f8b6c5d-x2k9p without a namespace',
    );
  });
});
