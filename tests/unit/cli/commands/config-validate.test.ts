import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { agentConfigJsonSchema } from '../../../../lib/config/agent-config.ts';
import { runCli } from '../../../helpers/cli.ts';

const root = join(import.meta.dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'kubemend-config-'));

async function validate(text: string): Promise<{ out: string; exitCode: number | undefined }> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  const { out, exitCode } = await runCli(['config', 'validate', file], root);
  return { out: out.replaceAll(file, 'FILE'), exitCode };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kubemend config validate', () => {
  it('accepts the shipped configuration', async () => {
    const { out, exitCode } = await validate(readFileSync(join(root, 'config/agent_config.yaml'), 'utf8'));

    expect(out).toMatch(/^FILE: valid — \d+ rules \(0 enforcing\), 0 clusters, default mode dry-run\n$/);
    expect(exitCode).toBeUndefined();
  });

  it('prints every problem with its path and exits 1', async () => {
    const { out, exitCode } = await validate(
      'defaults:\n  mode: yolo\n  limits:\n    maxMemory: lots\nrules:\n  - alertname: X\n    detector: crash-loop\n    color: red\n',
    );

    expect(out.split('\n')).toEqual([
      'FILE: 3 problems',
      '  - defaults.mode: Invalid option: expected one of "observe"|"dry-run"|"enforce"',
      '  - defaults.limits.maxMemory: expected a quantity such as 4Gi',
      '  - rules[0]: unknown key "color" (known: alertname, detector, mode, fixes, actions, cooldownMinutes, namespaces, requireApproval, selector, limits)',
      '',
    ]);
    expect(exitCode).toBe(1);
  });

  it('names unknown detectors, anomalies and fixes, and a fix mapped to an anomaly it cannot answer', async () => {
    const { out, exitCode } = await validate(
      [
        'rules:',
        '  - alertname: X',
        '    detector: nope',
        '  - alertname: KubePodCrashLooping',
        '    detector: crash-loop',
        '    fixes:',
        '      crashloop: rollout-restart',
        '      crash-loop: [rollout-restart, fly]',
        '      oom-killed: expand-pvc',
      ].join('\n'),
    );

    expect(out.split('\n')).toEqual([
      'FILE: 4 problems',
      expect.stringMatching(/^ {2}- rules\[0\]\.detector: unknown detector "nope" \(known: crash-loop, /),
      expect.stringMatching(
        /^ {2}- rules\[1\]\.fixes\.crashloop: detector crash-loop never reports anomaly "crashloop" \(did you mean "crash-loop"\?\)/,
      ),
      expect.stringMatching(/^ {2}- rules\[1\]\.fixes\.crash-loop\[1\]: unknown fix "fly" \(known: rollout-restart, /),
      '  - rules[1].fixes.oom-killed: expand-pvc answers only volume-filling, inodes-filling',
      '',
    ]);
    expect(exitCode).toBe(1);
  });

  it('ships the JSON Schema generated from the zod schema (run `npm run config-schema` after changing it)', () => {
    expect(JSON.parse(readFileSync(join(root, 'config/agent_config.schema.json'), 'utf8'))).toEqual(
      agentConfigJsonSchema(),
    );
  });

  it('validates model_config.yaml too', async () => {
    const { out } = await runCli(['config', 'validate', join(root, 'config/model_config.yaml')], root);

    expect(out).toMatch(/model_config\.yaml: valid — 8 signals: memory-vs-limit, container-restarts, /);
  });
});
