import type { Result } from '../domain/types.ts';
import { describeError, KubemendError, type ErrorCode } from '../errors.ts';
import { ADMISSION_DENIAL, admissionRefuser } from '../kube/kube-api.ts';
import { cut } from '../text.ts';

/** Longest admission message kept in a reason: a webhook's own words can run long. */
const ADMISSION_MESSAGE_MAX = 400;

/** What the error stopped, for its words in the record. */
export interface Subject {
  stage: 'detection' | 'remediation';
  /** `rollout-restart`, or `detection`. */
  action: string;
  /** `deployment payments/checkout`, when known. */
  target?: string;
}

interface Row {
  result: Result;
  reason: (message: string, subject: Subject) => string;
  /**
   * The one stage the row is for. A fix meeting RBAC, a disruption budget or its target gone has
   * the cluster's answer to the write; detection meeting them is a failure of kubemend's own
   * reads, recorded `failed`. Facts a detector cannot read say there is nothing it can judge, while
   * a fix meeting them is a failure.
   */
  only?: Subject['stage'];
}

/** Where to look when RBAC says no: the remediator is bound only where the rules list it. */
const RBAC_HINT = 'kubemend is bound only in the namespaces its rules list in namespaces.allow: `npm run rbac`';
/** The API server's words for an authorizer's no in a namespace (`… cannot patch resource "x" … in the namespace "y"`). */
const NAMESPACED_RBAC_DENIAL = /cannot \S+ resource .* in the namespace "/;

/**
 * How a failure that stops detection or remediation is recorded, by error code: one table for both
 * stages. A code not here is `failed`, with its message.
 */
const ERROR_RESULTS: Partial<Record<ErrorCode, Row>> = {
  cluster_unreachable: { result: 'cluster-unreachable', reason: (message) => message },
  cluster_unknown: { result: 'unknown-cluster', reason: (message) => message },
  invalid_alert: { result: 'no-action', reason: (message) => message },
  invalid_input: { result: 'no-action', reason: (message) => message, only: 'detection' },
  forbidden: {
    result: 'refused',
    reason: (message, subject) => {
      const by = ADMISSION_DENIAL.test(message) ? admissionRefuser(message) : undefined;
      if (by === undefined) {
        // Only a namespaced RBAC denial is about where kubemend is bound; a node's, a token's are not.
        const hint = NAMESPACED_RBAC_DENIAL.test(message) ? ` (${RBAC_HINT})` : '';
        return `RBAC denied the ${subject.action}: ${message}${hint}`;
      }
      return `admission refused the ${subject.action} (${by}): ${cut(message, ADMISSION_MESSAGE_MAX)}`;
    },
    only: 'remediation',
  },
  disruption_budget: {
    result: 'refused',
    reason: (message) => `the PodDisruptionBudget refuses it now: ${message}`,
    only: 'remediation',
  },
  not_found: {
    result: 'no-action',
    reason: (message, subject) => `${subject.target ?? 'the object'} no longer exists: ${message}`,
    only: 'remediation',
  },
};

function rowOf(error: unknown, stage: Subject['stage']): Row | undefined {
  const row = error instanceof KubemendError ? ERROR_RESULTS[error.code] : undefined;
  return row?.only !== undefined && row.only !== stage ? undefined : row;
}

/** The result and reason a failure ends a record with. */
export function resultOfError(error: unknown, subject: Subject): { result: Result; reason: string } {
  const { message } = describeError(error);
  const row = rowOf(error, subject.stage);
  if (row === undefined) return { result: 'failed', reason: `${subject.action} failed: ${message}` };
  return { result: row.result, reason: row.reason(message, subject) };
}

/** Whether the table expects a failure at this stage (anything else is logged with its stack). */
export function isExpectedFailure(error: unknown, stage: Subject['stage']): boolean {
  return rowOf(error, stage) !== undefined;
}

/** The table's rows, for the generated docs. */
export function errorResultRows(): { code: ErrorCode; result: Result }[] {
  return (Object.entries(ERROR_RESULTS) as [ErrorCode, Row][]).map(([code, row]) => ({ code, result: row.result }));
}
