import { describe, expect, it } from '@jest/globals';
import type { V1Affinity, V1Node, V1NodeSelectorRequirement, V1PodSpec, V1Taint } from '@kubernetes/client-node';
import fc from 'fast-check';

import {
  daemonPodSpec,
  daemonPodTolerations,
  describeReason,
  matchesNodeSelector,
  matchesRequiredAffinity,
  placement,
  taintString,
  tolerates,
  toleratesTaints,
  untoleratedTaints,
} from '../../../lib/detect/node-placement.ts';
import { node } from '../../helpers/fixtures.ts';

const WORKER = 'ip-10-0-1-22.eu-west-1.compute.internal';

/** A ready worker with extra labels (besides hostname, os, instance type and zone) and taints. */
function worker(labels: Record<string, string> = {}, taints: V1Taint[] = [], unschedulable = false): V1Node {
  const base = node('ready', { name: WORKER, taints });
  return {
    ...base,
    metadata: { ...base.metadata, labels: { ...base.metadata?.labels, ...labels } },
    spec: { ...base.spec, ...(unschedulable ? { unschedulable } : {}) },
  };
}

function required(...terms: { expressions?: V1NodeSelectorRequirement[]; fields?: V1NodeSelectorRequirement[] }[]) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((term) => ({
          ...(term.expressions === undefined ? {} : { matchExpressions: term.expressions }),
          ...(term.fields === undefined ? {} : { matchFields: term.fields }),
        })),
      },
    },
  } satisfies V1Affinity;
}

const spec = (overrides: Partial<V1PodSpec> = {}): V1PodSpec => ({
  containers: [{ name: 'agent', image: 'registry.example/agent:1.0' }],
  ...overrides,
});

describe('node placement: nodeSelector', () => {
  it('matches a node that carries every pair, and any node when there is no selector', () => {
    const n = worker({ pool: 'general' });

    expect(matchesNodeSelector({ pool: 'general', 'kubernetes.io/os': 'linux' }, n)).toBe(true);
    expect(matchesNodeSelector(undefined, n)).toBe(true);
    expect(matchesNodeSelector({}, n)).toBe(true);
  });

  it('refuses a node with another value or without the label', () => {
    expect(matchesNodeSelector({ pool: 'gpu' }, worker({ pool: 'general' }))).toBe(false);
    expect(matchesNodeSelector({ pool: 'general' }, worker())).toBe(false);
  });
});

describe('node placement: required node affinity', () => {
  const n = worker({ pool: 'general', 'example.com/cores': '8' });
  const matches = (...requirements: V1NodeSelectorRequirement[]) =>
    matchesRequiredAffinity(required({ expressions: requirements }), n);

  it.each<[string, V1NodeSelectorRequirement, boolean]>([
    ['In with its value', { key: 'pool', operator: 'In', values: ['gpu', 'general'] }, true],
    ['In without its value', { key: 'pool', operator: 'In', values: ['gpu'] }, false],
    ['In on a missing label', { key: 'tier', operator: 'In', values: ['a'] }, false],
    ['NotIn without its value', { key: 'pool', operator: 'NotIn', values: ['gpu'] }, true],
    ['NotIn with its value', { key: 'pool', operator: 'NotIn', values: ['general'] }, false],
    ['NotIn on a missing label', { key: 'tier', operator: 'NotIn', values: ['a'] }, true],
    ['Exists on a present label', { key: 'pool', operator: 'Exists' }, true],
    ['Exists on a missing label', { key: 'tier', operator: 'Exists' }, false],
    ['DoesNotExist on a missing label', { key: 'tier', operator: 'DoesNotExist' }, true],
    ['DoesNotExist on a present label', { key: 'pool', operator: 'DoesNotExist' }, false],
    ['Gt below the value', { key: 'example.com/cores', operator: 'Gt', values: ['4'] }, true],
    ['Gt at the value', { key: 'example.com/cores', operator: 'Gt', values: ['8'] }, false],
    ['Lt above the value', { key: 'example.com/cores', operator: 'Lt', values: ['16'] }, true],
    ['Lt below the value', { key: 'example.com/cores', operator: 'Lt', values: ['2'] }, false],
    ['Gt on a label that is no integer', { key: 'pool', operator: 'Gt', values: ['1'] }, false],
    ['Gt with two values', { key: 'example.com/cores', operator: 'Gt', values: ['1', '2'] }, false],
    ['Gt on a missing label', { key: 'tier', operator: 'Gt', values: ['1'] }, false],
    ['an unknown operator', { key: 'pool', operator: 'Like', values: ['general'] }, false],
  ])('judges %s', (_, requirement, expected) => {
    expect(matches(requirement)).toBe(expected);
  });

  it('ANDs the requirements of one term', () => {
    expect(matches({ key: 'pool', operator: 'In', values: ['general'] }, { key: 'tier', operator: 'Exists' })).toBe(
      false,
    );
    expect(
      matches({ key: 'pool', operator: 'In', values: ['general'] }, { key: 'tier', operator: 'DoesNotExist' }),
    ).toBe(true);
  });

  it('ORs the terms', () => {
    const affinity = required(
      { expressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }] },
      { expressions: [{ key: 'pool', operator: 'In', values: ['general'] }] },
    );

    expect(matchesRequiredAffinity(affinity, n)).toBe(true);
  });

  it('matches no node with an empty term, and every node without required affinity', () => {
    expect(matchesRequiredAffinity(required({}), n)).toBe(false);
    expect(matchesRequiredAffinity(undefined, n)).toBe(true);
    expect(matchesRequiredAffinity({ nodeAffinity: {} }, n)).toBe(true);
  });

  it('judges matchFields on metadata.name, as the DaemonSet controller pins its pods', () => {
    const pinned = (name: string, operator = 'In') =>
      required({ fields: [{ key: 'metadata.name', operator, values: [name] }] });

    expect(matchesRequiredAffinity(pinned(WORKER), n)).toBe(true);
    expect(matchesRequiredAffinity(pinned('ip-10-0-9-9.eu-west-1.compute.internal'), n)).toBe(false);
    expect(matchesRequiredAffinity(pinned(WORKER, 'NotIn'), n)).toBe(false);
    expect(matchesRequiredAffinity(required({ fields: [{ key: 'metadata.uid', operator: 'Exists' }] }), n)).toBe(false);
  });

  it('ANDs matchExpressions and matchFields of one term', () => {
    const affinity = required({
      expressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }],
      fields: [{ key: 'metadata.name', operator: 'In', values: [WORKER] }],
    });

    expect(matchesRequiredAffinity(affinity, n)).toBe(false);
  });
});

describe('node placement: tolerations', () => {
  const gpu: V1Taint = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };

  it.each([
    [
      'Equal with the same key, value and effect',
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      true,
    ],
    ['Equal by default', { key: 'nvidia.com/gpu', value: 'true' }, true],
    ['Equal with another value', { key: 'nvidia.com/gpu', operator: 'Equal', value: 'false' }, false],
    ['Exists whatever the value', { key: 'nvidia.com/gpu', operator: 'Exists' }, true],
    ['Exists with another effect', { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }, false],
    ['Exists with another key', { key: 'dedicated', operator: 'Exists' }, false],
    ['an empty key with Exists (everything)', { operator: 'Exists' }, true],
    ['an empty key with Exists, limited to another effect', { operator: 'Exists', effect: 'NoExecute' }, false],
    ['an empty effect, for every effect', { key: 'nvidia.com/gpu', operator: 'Exists', effect: '' }, true],
    ['an unknown operator', { key: 'nvidia.com/gpu', operator: 'Gt', value: '1' }, false],
  ] as const)('tolerates or not: %s', (_, toleration, expected) => {
    expect(tolerates(toleration, gpu)).toBe(expected);
  });

  it('compares a taint without value to an empty value', () => {
    expect(
      tolerates({ key: 'dedicated', operator: 'Equal', value: '' }, { key: 'dedicated', effect: 'NoSchedule' }),
    ).toBe(true);
  });

  it('ignores PreferNoSchedule taints, which never keep a pod off', () => {
    const taints: V1Taint[] = [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }, gpu];

    expect(untoleratedTaints(taints, [])).toEqual([gpu]);
    expect(toleratesTaints([{ key: 'nvidia.com/gpu', operator: 'Exists' }], taints)).toBe(true);
  });

  it('lets an empty key with Exists tolerate any taint', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'),
        (key, value, effect) => tolerates({ operator: 'Exists' }, { key, value, effect }),
      ),
    );
  });
});

describe('node placement: placement', () => {
  it('fits a node that passes every filter', () => {
    expect(placement(spec({ nodeSelector: { 'kubernetes.io/os': 'linux' } }), worker())).toEqual({ fits: true });
  });

  it('names every filter a node fails, with what it compared', () => {
    const result = placement(
      spec({
        nodeSelector: { pool: 'gpu' },
        affinity: required({ expressions: [{ key: 'tier', operator: 'Exists' }] }),
      }),
      worker({ pool: 'general' }, [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }]),
    );

    expect(result).toEqual({
      fits: false,
      reasons: [
        { kind: 'node-selector', mismatched: [{ key: 'pool', wanted: 'gpu', found: 'general' }] },
        { kind: 'node-affinity', terms: 1 },
        { kind: 'taint', taint: { key: 'dedicated', value: 'infra', effect: 'NoExecute' } },
      ],
    });
    expect(result.fits === false && result.reasons.map(describeReason)).toEqual([
      'nodeSelector pool=gpu (node has general) does not match',
      'none of the 1 required node affinity term matches its labels',
      'taint dedicated=infra:NoExecute is not tolerated',
    ]);
  });

  it('refuses a node other than the one spec.nodeName names', () => {
    expect(placement(spec({ nodeName: 'ip-10-0-9-9.eu-west-1.compute.internal' }), worker())).toEqual({
      fits: false,
      reasons: [{ kind: 'node-name', nodeName: 'ip-10-0-9-9.eu-west-1.compute.internal' }],
    });
  });

  it('refuses a cordoned node unless the pod tolerates the unschedulable taint', () => {
    const cordoned = worker({}, [], true);

    expect(placement(spec(), cordoned)).toEqual({ fits: false, reasons: [{ kind: 'unschedulable' }] });
    expect(
      placement(spec({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }] }), cordoned),
    ).toEqual({ fits: true });
  });

  it('names a cordoned node once when it also carries the unschedulable taint', () => {
    const cordoned = worker({}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], true);

    expect(placement(spec(), cordoned)).toEqual({
      fits: false,
      reasons: [{ kind: 'taint', taint: { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } }],
    });
  });
});

describe('node placement: DaemonSet pods', () => {
  const conditionTaints = (...taints: [string, string][]) =>
    worker(
      {},
      taints.map(([key, effect]) => ({ key: `node.kubernetes.io/${key}`, effect })),
      true,
    );

  it('tolerates what the DaemonSet controller adds: not-ready and unreachable NoExecute, pressures and cordons', () => {
    const sick = conditionTaints(
      ['not-ready', 'NoExecute'],
      ['unreachable', 'NoExecute'],
      ['disk-pressure', 'NoSchedule'],
      ['memory-pressure', 'NoSchedule'],
      ['pid-pressure', 'NoSchedule'],
      ['unschedulable', 'NoSchedule'],
    );

    expect(placement(daemonPodSpec(spec()), sick)).toEqual({ fits: true });
  });

  it('does not tolerate the not-ready NoSchedule taint, so a new daemon pod waits for the node', () => {
    expect(placement(daemonPodSpec(spec()), conditionTaints(['not-ready', 'NoSchedule']))).toEqual({
      fits: false,
      reasons: [{ kind: 'taint', taint: { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' } }],
    });
  });

  it('tolerates network-unavailable only for pods on the host network', () => {
    const noNetwork = conditionTaints(['network-unavailable', 'NoSchedule']);

    expect(placement(daemonPodSpec(spec({ hostNetwork: true })), noNetwork)).toEqual({ fits: true });
    expect(placement(daemonPodSpec(spec()), noNetwork).fits).toBe(false);
  });

  it('keeps the template’s own tolerations', () => {
    const own = { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' };

    expect(daemonPodTolerations(spec({ tolerations: [own] }))).toContainEqual(own);
    expect(daemonPodTolerations(spec())).toHaveLength(6);
  });

  it('prints taints as kubectl does', () => {
    expect(taintString({ key: 'dedicated', value: 'infra', effect: 'NoExecute' })).toBe('dedicated=infra:NoExecute');
    expect(taintString({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' })).toBe(
      'node.kubernetes.io/not-ready:NoSchedule',
    );
  });
});
