import type {
  V1Affinity,
  V1Node,
  V1NodeSelectorRequirement,
  V1NodeSelectorTerm,
  V1PodSpec,
  V1Taint,
  V1Toleration,
} from '@kubernetes/client-node';

/**
 * Whether a pod may be placed on a node, judged as the scheduler's filters and the DaemonSet
 * controller judge it from the pod's spec and the node alone: `spec.nodeName`, `nodeSelector`,
 * required node affinity, taints (NoSchedule, NoExecute) and `spec.unschedulable`. Pure; resources,
 * ports, volumes and inter-pod affinity are not judged here.
 */

/** Why a pod does not fit a node, one entry per filter it fails. */
export type PlacementReason =
  | { kind: 'node-name'; nodeName: string }
  | { kind: 'node-selector'; mismatched: readonly { key: string; wanted: string; found: string | undefined }[] }
  | { kind: 'node-affinity'; terms: number }
  | { kind: 'taint'; taint: V1Taint }
  | { kind: 'unschedulable' };

export type Placement = { fits: true } | { fits: false; reasons: PlacementReason[] };

/** The taint the node lifecycle controller puts on a cordoned node, and the scheduler's toleration check for it. */
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

/** The node-name field a node selector's `matchFields` may name. */
const NAME_FIELD = 'metadata.name';

/** The pairs of `nodeSelector` the node's labels do not carry. */
export function nodeSelectorMismatches(
  selector: Readonly<Record<string, string>> | undefined,
  node: V1Node,
): { key: string; wanted: string; found: string | undefined }[] {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(selector ?? {})
    .filter(([key, wanted]) => labels[key] !== wanted)
    .map(([key, wanted]) => ({ key, wanted, found: labels[key] }));
}

/** Whether the node carries every label of `nodeSelector` (an absent selector matches every node). */
export function matchesNodeSelector(selector: Readonly<Record<string, string>> | undefined, node: V1Node): boolean {
  return nodeSelectorMismatches(selector, node).length === 0;
}

/**
 * Whether the node satisfies `requiredDuringSchedulingIgnoredDuringExecution`: terms are ORed,
 * the requirements of a term ANDed, and a term with no requirement matches no node. Absent
 * required affinity matches every node.
 */
export function matchesRequiredAffinity(affinity: V1Affinity | undefined, node: V1Node): boolean {
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((term) => matchesTerm(term, node));
}

function matchesTerm(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const nodeFields: Record<string, string> = { [NAME_FIELD]: node.metadata?.name ?? '' };
  return (
    expressions.every((requirement) => matchesRequirement(requirement, labels)) &&
    fields.every((requirement) => requirement.key === NAME_FIELD && matchesRequirement(requirement, nodeFields))
  );
}

/** One requirement against labels (or fields), as `labels.Selector` judges it; an invalid one matches nothing. */
function matchesRequirement(requirement: V1NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt':
      return compares(requirement.operator, value, values);
    default:
      return false;
  }
}

const INTEGER = /^[+-]?\d+$/;

function compares(operator: 'Gt' | 'Lt', value: string | undefined, values: readonly string[]): boolean {
  const [bound] = values;
  if (value === undefined || values.length !== 1 || bound === undefined) return false;
  if (!INTEGER.test(value) || !INTEGER.test(bound)) return false;
  const [have, limit] = [BigInt(value), BigInt(bound)];
  return operator === 'Gt' ? have > limit : have < limit;
}

/**
 * Whether one toleration tolerates one taint: an empty effect matches every effect, an empty key
 * (with Exists) every key; Exists ignores the value, Equal (the default) compares it.
 */
export function tolerates(toleration: V1Toleration, taint: V1Taint): boolean {
  if ((toleration.effect ?? '') !== '' && toleration.effect !== taint.effect) return false;
  if ((toleration.key ?? '') !== '' && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** The taints of `effects` (NoSchedule and NoExecute unless told) that no toleration tolerates. */
export function untoleratedTaints(
  taints: readonly V1Taint[],
  tolerations: readonly V1Toleration[],
  effects: readonly string[] = ['NoSchedule', 'NoExecute'],
): V1Taint[] {
  return taints.filter(
    (taint) => effects.includes(taint.effect) && !tolerations.some((toleration) => tolerates(toleration, taint)),
  );
}

/** Whether the tolerations tolerate every NoSchedule and NoExecute taint of the list. */
export function toleratesTaints(tolerations: readonly V1Toleration[], taints: readonly V1Taint[]): boolean {
  return untoleratedTaints(taints, tolerations).length === 0;
}

/** Every filter the pod spec fails on the node, or `{ fits: true }`. */
export function placement(spec: V1PodSpec, node: V1Node): Placement {
  const reasons: PlacementReason[] = [];
  const name = node.metadata?.name ?? '';
  if ((spec.nodeName ?? '') !== '' && spec.nodeName !== name)
    reasons.push({ kind: 'node-name', nodeName: spec.nodeName ?? '' });
  const mismatched = nodeSelectorMismatches(spec.nodeSelector, node);
  if (mismatched.length > 0) reasons.push({ kind: 'node-selector', mismatched });
  if (!matchesRequiredAffinity(spec.affinity, node)) {
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    reasons.push({ kind: 'node-affinity', terms: terms?.length ?? 0 });
  }
  const tolerations = spec.tolerations ?? [];
  reasons.push(
    ...untoleratedTaints(node.spec?.taints ?? [], tolerations).map((taint) => ({ kind: 'taint' as const, taint })),
  );
  const cordonTolerated = tolerations.some((t) => tolerates(t, { key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' }));
  if (node.spec?.unschedulable === true && !cordonTolerated && !reasons.some(isCordonTaint)) {
    reasons.push({ kind: 'unschedulable' });
  }
  return reasons.length === 0 ? { fits: true } : { fits: false, reasons };
}

function isCordonTaint(reason: PlacementReason): boolean {
  return reason.kind === 'taint' && reason.taint.key === UNSCHEDULABLE_TAINT;
}

/** Whether the reason says the node is not selected at all (name, selector, affinity), not merely tainted. */
export function isSelectionReason(reason: PlacementReason): boolean {
  return reason.kind === 'node-name' || reason.kind === 'node-selector' || reason.kind === 'node-affinity';
}

/** `key=value:Effect`, as kubectl prints a taint. */
export function taintString(taint: V1Taint): string {
  return `${taint.key}${(taint.value ?? '') === '' ? '' : `=${taint.value}`}:${taint.effect}`;
}

/** A reason in words, from what was compared. */
export function describeReason(reason: PlacementReason): string {
  switch (reason.kind) {
    case 'node-name':
      return `spec.nodeName names node ${reason.nodeName}`;
    case 'node-selector':
      return `nodeSelector ${reason.mismatched
        .map(({ key, wanted, found }) => `${key}=${wanted} (node has ${found === undefined ? 'no such label' : found})`)
        .join(', ')} does not match`;
    case 'node-affinity':
      return `none of the ${reason.terms} required node affinity term${reason.terms === 1 ? '' : 's'} matches its labels`;
    case 'taint':
      return `taint ${taintString(reason.taint)} is not tolerated`;
    case 'unschedulable':
      return 'it is cordoned (spec.unschedulable)';
  }
}

/**
 * The tolerations the DaemonSet controller adds to every pod it creates
 * (`AddOrUpdateDaemonPodTolerations` in k8s.io/kubernetes pkg/controller/daemon/util): not-ready
 * and unreachable NoExecute, the pressure and unschedulable NoSchedule taints, and
 * network-unavailable for pods on the host network.
 */
export function daemonPodTolerations(spec: V1PodSpec | undefined): V1Toleration[] {
  const node = 'node.kubernetes.io';
  const added: V1Toleration[] = [
    { key: `${node}/not-ready`, operator: 'Exists', effect: 'NoExecute' },
    { key: `${node}/unreachable`, operator: 'Exists', effect: 'NoExecute' },
    { key: `${node}/disk-pressure`, operator: 'Exists', effect: 'NoSchedule' },
    { key: `${node}/memory-pressure`, operator: 'Exists', effect: 'NoSchedule' },
    { key: `${node}/pid-pressure`, operator: 'Exists', effect: 'NoSchedule' },
    { key: UNSCHEDULABLE_TAINT, operator: 'Exists', effect: 'NoSchedule' },
    ...(spec?.hostNetwork === true
      ? [{ key: `${node}/network-unavailable`, operator: 'Exists', effect: 'NoSchedule' }]
      : []),
  ];
  // The controller replaces an own toleration equal to one of these but for tolerationSeconds;
  // keeping both judges taints the same, as tolerationSeconds only times a NoExecute eviction.
  return [...(spec?.tolerations ?? []), ...added];
}

/** The spec of the pod the DaemonSet controller would create from a template spec: with its tolerations. */
export function daemonPodSpec(spec: V1PodSpec): V1PodSpec {
  return { ...spec, tolerations: daemonPodTolerations(spec) };
}
