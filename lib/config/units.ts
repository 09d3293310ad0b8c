import type { AnyDetector } from '../detect/detector.ts';
import { detectors } from '../detect/registry.ts';
import type { AnyRemediator } from '../remediate/remediator.ts';
import { remediators } from '../remediate/registry.ts';
import type { AgentConfig } from './agent-config.ts';

/** The detectors and fixes a configuration is checked against. */
export interface Units {
  detectors: readonly AnyDetector[];
  remediators: readonly AnyRemediator[];
}

/** This build's detectors and fixes. */
export const REGISTERED_UNITS: Units = { detectors, remediators };

/**
 * Why `fix` cannot answer `anomaly` as `detector` reports it, or undefined when it can: the fix
 * answers only some anomalies, or needs facts the detector does not report with this one.
 */
export function cannotAnswer(fix: AnyRemediator, detector: AnyDetector, anomaly: string): string | undefined {
  if (fix.answers !== undefined && !fix.answers.includes(anomaly)) {
    return fix.answers.length === 0
      ? `${fix.action} is run by hand only (kubemend run), never for an anomaly`
      : `${fix.action} answers only ${fix.answers.join(', ')}`;
  }
  const reported: readonly string[] = detector.anomalies[anomaly] ?? [];
  const missing = fix.needs.filter((fact) => !reported.includes(fact));
  if (missing.length === 0) return undefined;
  return `${fix.action} needs the ${missing.join(', ')} facts, which ${detector.name} does not report with ${anomaly} (it reports: ${reported.join(', ') || 'none'})`;
}

/**
 * Every problem with the units a configuration names: unknown detectors and fixes, anomalies the
 * rule's detector never reports, fixes that cannot answer the anomaly they are mapped to.
 */
export function checkUnits(config: AgentConfig, units: Units): string[] {
  const problems: string[] = [];
  const fixNames = units.remediators.map((r) => r.action);
  config.rules.forEach((rule, index) => {
    const at = `rules[${index}]`;
    const detector = units.detectors.find((d) => d.name === rule.detector);
    if (detector === undefined) {
      problems.push(
        `${at}.detector: unknown detector "${rule.detector}"${suggest(
          rule.detector,
          units.detectors.map((d) => d.name),
        )}`,
      );
      return;
    }
    const settled: readonly string[] = detector.settled ?? [];
    const anomalies = Object.keys(detector.anomalies);
    const open = anomalies.filter((a) => !settled.includes(a));
    for (const [anomaly, fixes] of Object.entries(rule.fixes)) {
      const any = anomaly === '*';
      if (!any && !anomalies.includes(anomaly)) {
        problems.push(
          `${at}.fixes.${anomaly}: detector ${detector.name} never reports anomaly "${anomaly}"${suggest(anomaly, anomalies)}`,
        );
        continue;
      }
      if (settled.includes(anomaly) && fixes.length > 0) {
        problems.push(`${at}.fixes.${anomaly}: ${anomaly} says nothing is wrong now, so no fix answers it`);
        continue;
      }
      fixes.forEach((name, position) => {
        const where = `${at}.fixes.${anomaly}${fixes.length > 1 ? `[${position}]` : ''}`;
        const fix = units.remediators.find((r) => r.action === name);
        if (fix === undefined) {
          problems.push(`${where}: unknown fix "${name}"${suggest(name, fixNames)}`);
          return;
        }
        const why = any
          ? open.every((a) => cannotAnswer(fix, detector, a) !== undefined)
            ? `${name} can answer none of the anomalies ${detector.name} reports`
            : undefined
          : cannotAnswer(fix, detector, anomaly);
        if (why !== undefined) problems.push(`${where}: ${why}`);
      });
    }
  });
  config.approval.actions.forEach((action, index) => {
    if (!fixNames.includes(action)) {
      problems.push(`approval.actions[${index}]: unknown fix "${action}"${suggest(action, fixNames)}`);
    }
  });
  return problems;
}

/** `; did you mean "x"?` for the known name closest to `wanted`, when one is close; else the list. */
export function suggest(wanted: string, known: readonly string[]): string {
  const [best] = known
    .map((name) => ({ name, distance: editDistance(wanted, name) }))
    .sort((a, b) => a.distance - b.distance);
  if (best !== undefined && best.distance <= Math.max(2, Math.floor(wanted.length / 3))) {
    return ` (did you mean "${best.name}"?)`;
  }
  return ` (known: ${known.join(', ')})`;
}

/** Levenshtein distance: the fewest single-character edits from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
