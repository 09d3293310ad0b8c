import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { ValidationError } from '../../../lib/errors.ts';
import { describeKubeconfigChoice, kubeconfigContexts } from '../../../lib/kube/kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, contexts: string[], current?: string): string {
  const file = join(dir, name);
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    ...(current === undefined ? [] : [`current-context: ${current}`]),
    'contexts:',
    ...contexts.flatMap((context) => [`  - name: ${context}`, '    context: { cluster: c, user: u }']),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('kubeconfig contexts, as kubectl merges them', () => {
  it('lists every file’s contexts, the first current-context winning, and skips files that are missing', () => {
    const first = kubeconfig('a', ['kind-dev', 'prod'], 'kind-dev');
    const second = kubeconfig('b', ['prod', 'staging'], 'staging');
    const missing = join(dir, 'missing');

    expect(kubeconfigContexts({ files: [first, missing, second], home: undefined, inCluster: false })).toEqual({
      files: [first, second],
      names: ['kind-dev', 'prod', 'staging'],
      current: 'kind-dev',
      inCluster: false,
    });
  });

  it('refuses a context no file names, listing the ones there are, and names the one it uses', () => {
    const file = kubeconfig('c', ['kind-dev', 'prod'], 'kind-dev');
    const env = { files: [file], home: undefined, inCluster: false };

    expect(() => describeKubeconfigChoice('nope', env)).toThrow(
      new ValidationError(`kubeconfig context "nope" does not exist in ${file} (known: kind-dev, prod)`),
    );
    expect(describeKubeconfigChoice('prod', env)).toBe(`kubeconfig context prod (${file})`);
    expect(describeKubeconfigChoice(undefined, env)).toBe(`kubeconfig context kind-dev, the current one (${file})`);
    expect(describeKubeconfigChoice(undefined, { files: [], home: dir, inCluster: false })).toBe(
      'no kubeconfig context (KUBECONFIG is unset, ~/.kube/config has none): every alert is recorded cluster-unreachable until there is one',
    );
  });
});
