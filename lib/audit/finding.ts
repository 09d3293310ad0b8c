import type { Diagnosis, Evidence } from '../domain/types.ts';

/** One problem an audit found, keyed so that the same problem in the next audit is recognised. */
export interface Finding {
  key: string;
  /** The detector or audit check that found it. */
  detector: string;
  kind: string;
  namespace?: string;
  name: string;
  anomaly: string;
  summary: string;
  confidence: number;
  evidence: Evidence[];
}

/** A finding for an object: kind, namespace, name and anomaly make its key. */
export function finding(
  check: string,
  object: { kind: string; namespace?: string; name: string },
  found: { anomaly: string; summary: string; confidence?: number; evidence: Evidence[] },
): Finding {
  return {
    key: `${object.kind}/${object.namespace ?? ''}/${object.name}/${found.anomaly}`,
    detector: check,
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
    anomaly: found.anomaly,
    summary: found.summary,
    confidence: found.confidence ?? 0.8,
    evidence: found.evidence,
  };
}

/** The finding for a detector's diagnosis of a listed object. */
export function findingOf(diagnosis: Diagnosis): Finding {
  return finding(diagnosis.detector, diagnosis.target, diagnosis);
}
