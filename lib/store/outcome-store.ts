import type { Alert } from '../alert/schema.ts';
import { OutcomeSchema, type Outcome } from '../domain/types.ts';
import { ValidationError } from '../errors.ts';

export interface ClaimRequest {
  id: string;
  alert: Alert;
  cluster: string | undefined;
  now: Date;
  /** How long the claimant may work before another worker may take over. */
  leaseMs: number;
}

/**
 * `claimed: true` — the caller now holds the record (new, or taken over after an expired lease;
 * `outcome.attempts` is its fencing token). `claimed: false` — it is `done` already, or another
 * worker holds a live lease.
 */
export type ClaimResult =
  { claimed: true; outcome: Outcome } | { claimed: false; outcome: Outcome; why: 'done' | 'leased' };

/**
 * Durable record of every alert instance and what kubemend did about it. One record per
 * instance (fingerprint + startsAt); writes are conditional so an instance is processed once
 * even when a notification is delivered twice or two workers race.
 *
 * @example
 * const claim = await store.claim({ id, alert, cluster, now: new Date(), leaseMs: 300_000 });
 * if (claim.claimed) await store.save({ ...claim.outcome, stage: 'done', result: 'no-action' }, null);
 */
export interface OutcomeStore {
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Writes the record, provided `outcome.attempts` is still the current fencing token (else
   * LeaseLostError). `leaseUntil` null releases the lease so the next stage can claim at once.
   */
  save(outcome: Outcome, leaseUntil: Date | null): Promise<void>;
  get(id: string): Promise<Outcome | undefined>;
  /** Newest first by receipt time, the first `limit` that match `filter`. */
  recent(options: { limit: number; filter?: HistoryFilter }): Promise<Outcome[]>;
  /**
   * Notes that an alert instance resolved. Creates a final `resolved` record when kubemend never
   * saw it fire, so every accepted alert has a record.
   */
  markResolved(id: string, alert: Alert, cluster: string | undefined, now: Date): Promise<void>;
  close(): Promise<void>;
}

/** What `kubemend history` narrows by. */
export interface HistoryFilter {
  cluster?: string;
  namespace?: string;
  result?: string;
  /** Received at or after. */
  since?: Date;
  /** A substring of `kind/namespace/name` of the plan's or diagnosis's target (or the alert's pod). */
  target?: string;
  /** The alert's labels must match each (kubectl's `-l`: `key=value`, `key!=value`, `key`, `!key`). */
  labels?: readonly LabelRequirement[];
}

/** One term of a label selector. */
export type LabelRequirement =
  { key: string; op: '=' | '!='; value: string } | { key: string; op: 'exists' | '!exists' };

/** A label selector as kubectl takes it after `-l`: terms joined by commas. Throws on a term it cannot read. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  return selector.split(',').map((raw) => {
    const term = raw.trim();
    const match = /^([A-Za-z0-9_./-]+)\s*(!=|==|=)\s*(.*)$/.exec(term);
    if (match !== null) return { key: match[1]!, op: match[2] === '!=' ? '!=' : '=', value: match[3]!.trim() };
    if (/^![A-Za-z0-9_./-]+$/.test(term)) return { key: term.slice(1), op: '!exists' };
    if (/^[A-Za-z0-9_./-]+$/.test(term)) return { key: term, op: 'exists' };
    throw new ValidationError(`label selector: cannot read "${term}" (key=value, key!=value, key or !key)`);
  });
}

function matchesLabels(labels: Record<string, string>, requirements: readonly LabelRequirement[]): boolean {
  return requirements.every((requirement) => {
    // Own keys only: `constructor` is no label.
    const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
    switch (requirement.op) {
      case '=':
        return value === requirement.value;
      case '!=':
        return value !== requirement.value;
      case 'exists':
        return value !== undefined;
      case '!exists':
        return value === undefined;
    }
  });
}

/** Whether a record passes a history filter. Pure; shared by every store. */
export function matchesFilter(outcome: Outcome, filter: HistoryFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.cluster !== undefined && outcome.cluster !== filter.cluster) return false;
  const ref = outcome.plan?.target ?? outcome.diagnosis?.target;
  const namespace = ref?.namespace ?? outcome.alert.labels.namespace;
  if (filter.namespace !== undefined && namespace !== filter.namespace) return false;
  if (filter.result !== undefined && (outcome.result ?? outcome.stage) !== filter.result) return false;
  if (filter.labels !== undefined && !matchesLabels(outcome.alert.labels, filter.labels)) return false;
  if (filter.since !== undefined && new Date(outcome.timings.receivedAt).getTime() < filter.since.getTime())
    return false;
  if (filter.target !== undefined) {
    const name =
      ref === undefined
        ? `Pod/${namespace ?? ''}/${outcome.alert.labels.pod ?? ''}`
        : `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
    if (!name.toLowerCase().includes(filter.target.toLowerCase())) return false;
  }
  return true;
}

/** The record a claim creates for an instance seen for the first time. */
export function newOutcome(request: Pick<ClaimRequest, 'id' | 'alert' | 'cluster' | 'now'>): Outcome {
  return {
    id: request.id,
    alert: request.alert,
    cluster: request.cluster,
    stage: 'received',
    timings: { receivedAt: request.now.toISOString() },
    attempts: 1,
  };
}

/** A final record for an alert first seen already resolved. */
export function resolvedOutcome(id: string, alert: Alert, cluster: string | undefined, now: Date): Outcome {
  return {
    ...newOutcome({ id, alert, cluster, now }),
    stage: 'done',
    result: 'resolved',
    reason: 'the alert resolved before kubemend saw it firing',
    resolvedAt: alert.endsAt,
    timings: { receivedAt: now.toISOString(), finishedAt: now.toISOString() },
  };
}

/** Decodes a stored document; a record that no longer matches the schema is an error, not skipped. */
export function decodeOutcome(json: string): Outcome {
  return OutcomeSchema.parse(JSON.parse(json));
}
