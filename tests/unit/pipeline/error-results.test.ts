import { describe, expect, it } from '@jest/globals';

import {
  ClusterUnreachableError,
  DisruptionBudgetError,
  ForbiddenError,
  KubeApiError,
  NotFoundError,
  ValidationError,
} from '../../../lib/errors.ts';
import { isExpectedFailure, resultOfError } from '../../../lib/pipeline/error-results.ts';

const fix = { stage: 'remediation', action: 'rollout-restart', target: 'deployment payments/checkout' } as const;
const detection = { stage: 'detection', action: 'detection' } as const;

describe('how a failure ends a record', () => {
  it('records the cluster answering a fix by its answer', () => {
    expect(resultOfError(new ForbiddenError('cannot patch deployments'), fix)).toEqual({
      result: 'refused',
      reason: 'RBAC denied the rollout-restart: cannot patch deployments',
    });
    // A denial in a namespace says where kubemend is bound; a node's or a token's does not.
    const inNamespace =
      'deployments.apps "checkout" is forbidden: User "kubemend-remediator" cannot patch resource "deployments" in API group "apps" in the namespace "payments"';
    expect(resultOfError(new ForbiddenError(inNamespace), fix).reason).toBe(
      `RBAC denied the rollout-restart: ${inNamespace} (kubemend is bound only in the namespaces its rules list in namespaces.allow: \`npm run rbac\`)`,
    );
    const onNode =
      'nodes "a" is forbidden: User "kubemend-remediator" cannot patch resource "nodes" in API group "" at the cluster scope';
    expect(resultOfError(new ForbiddenError(onNode), fix).reason).toBe(`RBAC denied the rollout-restart: ${onNode}`);
    const admission =
      "deployments.apps \"checkout\" is forbidden: ValidatingAdmissionPolicy 'kubemend-remediator-writes' with binding 'kubemend-remediator-writes' denied request: no image changes";
    expect(resultOfError(new ForbiddenError(admission), fix)).toEqual({
      result: 'refused',
      reason: `admission refused the rollout-restart (ValidatingAdmissionPolicy kubemend-remediator-writes): ${admission}`,
    });
    expect(resultOfError(new DisruptionBudgetError('would violate checkout-pdb'), fix)).toEqual({
      result: 'refused',
      reason: 'the PodDisruptionBudget refuses it now: would violate checkout-pdb',
    });
    expect(resultOfError(new NotFoundError('deployments "checkout" not found'), fix)).toEqual({
      result: 'no-action',
      reason: 'deployment payments/checkout no longer exists: deployments "checkout" not found',
    });
  });

  it('records an admission webhook’s denial refused, naming the webhook, with its message bounded', () => {
    const denial =
      'patch deployment payments/checkout: admission webhook "validation.gatekeeper.sh" denied the request: [no-latest] image tag required';
    expect(resultOfError(new ForbiddenError(denial), fix)).toEqual({
      result: 'refused',
      reason: `admission refused the rollout-restart (admission webhook validation.gatekeeper.sh): ${denial}`,
    });

    const silent =
      'patch deployment payments/checkout: admission webhook "validate.kyverno.svc-fail" denied the request without explanation';
    expect(resultOfError(new ForbiddenError(silent), fix)).toEqual({
      result: 'refused',
      reason: `admission refused the rollout-restart (admission webhook validate.kyverno.svc-fail): ${silent}`,
    });

    const long = `patch deployment payments/checkout: admission webhook "policy.example.com" denied the request: ${'x'.repeat(5000)}`;
    const { reason } = resultOfError(new ForbiddenError(long), fix);
    expect(reason).toMatch(/^admission refused the rollout-restart \(admission webhook policy\.example\.com\): patch /);
    expect(reason.length).toBeLessThan(500);
    expect(reason.endsWith('x…')).toBe(true);
  });

  it('records a plain 400 (a bad request, not a denial) failed', () => {
    const body = JSON.stringify({
      kind: 'Status',
      code: 400,
      message: 'the body of the request was in an unknown format',
    });
    const bad = new KubeApiError(400, 'the body of the request was in an unknown format', body, {});
    expect(resultOfError(bad, fix)).toEqual({
      result: 'failed',
      reason: `rollout-restart failed: ${bad.message}`,
    });
    expect(isExpectedFailure(bad, 'remediation')).toBe(false);
  });

  it("records detection denied or missing an object as kubemend's own failure, and logs it", () => {
    for (const error of [new ForbiddenError('cannot get pods'), new NotFoundError('pods "x" not found')]) {
      expect(resultOfError(error, detection)).toEqual({
        result: 'failed',
        reason: `detection failed: ${error.message}`,
      });
      expect(isExpectedFailure(error, 'detection')).toBe(false);
      expect(isExpectedFailure(error, 'remediation')).toBe(true);
    }
  });

  it('records an unreachable cluster the same at both stages, and facts detection cannot read as no action', () => {
    const unreachable = new ClusterUnreachableError('connect ECONNREFUSED 10.0.0.1:443');
    expect(resultOfError(unreachable, detection)).toEqual({
      result: 'cluster-unreachable',
      reason: 'connect ECONNREFUSED 10.0.0.1:443',
    });
    expect(resultOfError(unreachable, fix).result).toBe('cluster-unreachable');
    expect(resultOfError(new ValidationError('alert has no pod label'), detection)).toEqual({
      result: 'no-action',
      reason: 'alert has no pod label',
    });
  });

  it('records a fix meeting facts it cannot read as failed', () => {
    expect(resultOfError(new ValidationError('not a byte quantity: "lots"'), fix)).toEqual({
      result: 'failed',
      reason: 'rollout-restart failed: not a byte quantity: "lots"',
    });
  });

  it('records anything else failed, with its message, and does not expect it', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'spec')");
    expect(resultOfError(bug, fix)).toEqual({
      result: 'failed',
      reason: "rollout-restart failed: Cannot read properties of undefined (reading 'spec')",
    });
    expect(isExpectedFailure(bug, 'remediation')).toBe(false);
  });
});
