import { describe, expect, it } from '@jest/globals';

import { names, ordinalsOf, orderVerdict } from '../../../lib/detect/statefulset-order.ts';
import { postgresPod, postgresStatefulSet } from '../../helpers/fixtures.ts';

describe('ordinalsOf', () => {
  it('places pods by their pod-index label, or by their name when they have none', () => {
    const unlabelled = postgresPod(1, 'app-crash');
    delete unlabelled.metadata!.labels!['apps.kubernetes.io/pod-index'];

    const ordinals = ordinalsOf(postgresStatefulSet(), [
      { pod: postgresPod(0, 'healthy'), events: [] },
      { pod: unlabelled, events: [] },
      { pod: postgresPod(2, 'healthy'), events: [] },
    ]);

    expect(ordinals.map((o) => [o.name, o.missing, o.cause?.kind])).toEqual([
      ['postgres-0', false, undefined],
      ['postgres-1', false, 'app-crash'],
      ['postgres-2', false, undefined],
    ]);
  });

  it('takes an ordinal without a pod as missing only when the controller counts fewer pods than desired', () => {
    const pods = [{ pod: postgresPod(0, 'healthy'), events: [] }];
    const short = postgresStatefulSet();
    short.status!.replicas = 1;

    expect(ordinalsOf(postgresStatefulSet(), pods).map((o) => o.name)).toEqual(['postgres-0']);
    expect(
      ordinalsOf(short, pods)
        .filter((o) => o.missing)
        .map((o) => o.name),
    ).toEqual(['postgres-1', 'postgres-2']);
  });
});

describe('orderVerdict', () => {
  it('blocks on nothing under Parallel pod management outside an update', () => {
    const sts = postgresStatefulSet({ readyReplicas: 2 });
    sts.spec!.podManagementPolicy = 'Parallel';
    const ordinals = ordinalsOf(sts, [{ pod: postgresPod(0, 'app-crash'), events: [] }]);

    expect(orderVerdict(sts, ordinals)).toMatchObject({ blocking: undefined, waiting: [], updating: false });
  });
});

describe('names', () => {
  it('joins pod names the way a sentence does', () => {
    const of = (...ordinals: number[]) =>
      ordinals.map((ordinal) => ({
        ordinal,
        name: `web-${ordinal}`,
        missing: true,
        cause: undefined,
        revision: undefined,
      }));

    expect([names(of()), names(of(1)), names(of(1, 2)), names(of(1, 2, 3))]).toEqual([
      '',
      'web-1',
      'web-1 and web-2',
      'web-1, web-2 and web-3',
    ]);
  });
});
