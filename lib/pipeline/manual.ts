import { randomBytes } from 'node:crypto';

import { alertId } from '../alert/identity.ts';
import type { Alert } from '../alert/schema.ts';
import type { Mode, Outcome, Plan } from '../domain/types.ts';
import { AlreadyClaimedError, NotFoundError, ValidationError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { kindNamed } from '../kube/kinds.ts';
import type { AnyRemediator, LiveObject } from '../remediate/remediator.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';

/** A person's decision on a fix waiting at `awaiting-approval`: who, and when. */
interface Decision {
  id: string;
  by: string;
  now: Date;
  leaseMs: number;
}

/**
 * Records a person's approval of a fix waiting at `awaiting-approval`, before its window ends.
 * The caller then hands the record to the remediator, which runs every guardrail again.
 */
export async function approve(store: OutcomeStore, request: Decision): Promise<Outcome> {
  const { record, claimed } = await claimWaiting(store, request, { withinWindow: true });
  const approved: Outcome = {
    ...claimed,
    approval: { ...record.approval!, by: request.by, at: request.now.toISOString() },
  };
  await store.save(approved, null);
  return approved;
}

/**
 * Takes a fix waiting at `awaiting-approval` for a person who turns it down, whenever that is
 * (after its window too): returns the claimed record with the rejection noted, which the caller
 * finishes `refused` (lib/pipeline/finish.ts). Nothing is written to the cluster.
 */
export async function reject(store: OutcomeStore, request: Decision): Promise<Outcome> {
  const { record, claimed } = await claimWaiting(store, request, { withinWindow: false });
  return {
    ...claimed,
    approval: { ...record.approval!, by: request.by, at: request.now.toISOString(), rejected: true },
  };
}

/** The record waiting for this decision, and the claim on it; or why there is none to decide. */
async function claimWaiting(
  store: OutcomeStore,
  request: Decision,
  options: { withinWindow: boolean },
): Promise<{ record: Outcome; claimed: Outcome }> {
  const record = await store.get(request.id);
  if (record === undefined) throw new NotFoundError(`no record for alert instance ${request.id}`);
  if (record.stage !== 'awaiting-approval' || record.approval === undefined) {
    throw new ValidationError(
      `alert instance ${request.id} is not waiting for approval (it is ${record.result ?? record.stage})`,
    );
  }
  if (options.withinWindow && request.now.getTime() > Date.parse(record.approval.expiresAt)) {
    throw new ValidationError(`the approval window of ${request.id} ended at ${record.approval.expiresAt}`);
  }
  const claim = await store.claim({
    id: record.id,
    alert: record.alert,
    cluster: record.cluster,
    now: request.now,
    leaseMs: request.leaseMs,
  });
  if (!claim.claimed) {
    throw new AlreadyClaimedError(`alert instance ${request.id} is being processed; try again shortly`);
  }
  return { record, claimed: claim.outcome };
}

/**
 * The target of a fix asked for by hand as it is now, when the fix reads params off it
 * (`fromLive`): read with `kube` (the remediator's identity, which reads each target it changes
 * anyway), before anything is recorded.
 * A target that is not there is a ValidationError naming it.
 */
export async function readLiveTarget(
  plan: Plan,
  remediators: readonly AnyRemediator[],
  kube: () => Promise<KubeApi>,
): Promise<LiveObject | undefined> {
  const remediator = remediators.find((known) => known.action === plan.action);
  const kind = kindNamed(plan.target.kind);
  if (remediator?.fromLive === undefined || kind === undefined) return undefined;
  try {
    return (await (await kube()).read(kind, plan.target.name, plan.target.namespace)) as LiveObject;
  } catch (error) {
    if (error instanceof NotFoundError) {
      const where = plan.target.namespace === undefined ? '' : `${plan.target.namespace}/`;
      throw new ValidationError(
        `${plan.action} by hand: ${kind.toLowerCase()} ${where}${plan.target.name} not found`,
        [],
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/**
 * The plan a person asked for, with the params the fix decides for itself (`byHand`) and reads
 * off the live target (`fromLive`) under the ones they gave, checked against the fix's params
 * before anything is recorded: a param missing or wrong is a ValidationError naming each
 * (`--param key=value`), never a failed record. The target is the object as read (its UID).
 */
export function manualPlan(plan: Plan, remediators: readonly AnyRemediator[], now: Date, live?: LiveObject): Plan {
  const remediator = remediators.find((known) => known.action === plan.action);
  if (remediator === undefined) {
    throw new ValidationError(
      `unknown fix "${plan.action}" (known: ${remediators.map((known) => known.action).join(', ')})`,
    );
  }
  const params = {
    ...(remediator.byHand?.(now) ?? {}),
    ...(live === undefined ? {} : (remediator.fromLive?.(live, plan.params) ?? {})),
    ...plan.params,
  };
  const checked = remediator.paramsSchema.safeParse(params);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const key = issue.path.join('.');
      if (key === '') return issue.message;
      return (params as Record<string, unknown>)[String(issue.path[0])] === undefined
        ? `--param ${key}=… is missing`
        : `--param ${key}: ${issue.message.replace(/^Invalid input: /, '')}`;
    });
    throw new ValidationError(`${plan.action} by hand: ${problems.join('; ')}`);
  }
  const uid = plan.target.uid ?? live?.metadata?.uid;
  return { ...plan, target: { ...plan.target, ...(uid === undefined ? {} : { uid }) }, params };
}

/**
 * A record for a fix a person asks for by hand (no alert fired): it carries the plan, the person
 * and the mode, and then goes through the remediator like any other, guardrails and all.
 */
export async function createManualRecord(
  store: OutcomeStore,
  request: { plan: Plan; by: string; mode: Mode; cluster?: string; now: Date; leaseMs: number },
): Promise<Outcome> {
  const now = request.now.toISOString();
  const labels = Object.assign(Object.create(null) as Record<string, string>, {
    alertname: 'manual',
    ...(request.plan.target.namespace === undefined ? {} : { namespace: request.plan.target.namespace }),
  });
  const alert: Alert = {
    status: 'firing',
    labels,
    annotations: Object.assign(Object.create(null) as Record<string, string>, {
      summary: `${request.plan.action} requested by ${request.by}`,
    }),
    startsAt: now,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: `manual-${randomBytes(6).toString('hex')}`,
  };
  const id = alertId(alert);
  const claim = await store.claim({ id, alert, cluster: request.cluster, now: request.now, leaseMs: request.leaseMs });
  if (!claim.claimed) throw new AlreadyClaimedError(`record ${id} already exists`);
  const outcome: Outcome = {
    ...claim.outcome,
    stage: 'planned',
    plan: request.plan,
    trigger: { kind: 'manual', by: request.by, mode: request.mode },
    // The person asking is the approval a risky action needs: `kubemend run` is that decision.
    approval: { requestedAt: now, expiresAt: now, by: request.by, at: now },
  };
  await store.save(outcome, null);
  return outcome;
}
