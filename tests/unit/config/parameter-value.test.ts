import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { parseAgentConfigText } from '../../../lib/config/agent-config.ts';
import { parameterValue, SSM_VALUE_BYTES } from '../../../lib/config/parameter-value.ts';

const stageConfig = (stage: string) =>
  readFileSync(join(import.meta.dirname, `../../../config/stages/${stage}/agent_config.yaml`), 'utf8');

describe('the agent configuration as its SSM parameter holds it', () => {
  it.each(['dev', 'staging', 'prod'])('fits one parameter for %s, and means what the reviewed file means', (stage) => {
    const text = stageConfig(stage);
    const { value, tier, bytes } = parameterValue(text, stage);

    expect(bytes).toBe(Buffer.byteLength(value));
    expect(bytes).toBeLessThanOrEqual(SSM_VALUE_BYTES[tier]);
    expect(value).toBe(JSON.stringify(JSON.parse(value)));
    expect(parseAgentConfigText(value, 'ssm')).toEqual(parseAgentConfigText(text, 'file'));
  });

  it('needs the Advanced tier for the prod configuration, which the Standard tier cannot hold', () => {
    expect(Buffer.byteLength(stageConfig('prod'))).toBeGreaterThan(SSM_VALUE_BYTES.Standard);
    expect(parameterValue(stageConfig('prod'), 'prod').tier).toBe('Advanced');
  });

  it('chooses Standard when the value fits it', () => {
    expect(parameterValue('# a comment\ndefaults: { mode: dry-run }\n', 'small')).toEqual({
      value: '{"defaults":{"mode":"dry-run"}}',
      tier: 'Standard',
      bytes: 31,
    });
  });

  it('refuses a configuration no tier holds, with its size, and an invalid one by its problem', () => {
    const ignore = Array.from({ length: 200 }, (_, i) => `  - { alertname: Alert${i}, reason: ${'x'.repeat(40)} }`);
    expect(() => parameterValue(`ignore:\n${ignore.join('\n')}\n`, 'huge')).toThrow(
      /^huge: \d+ bytes as JSON; an SSM parameter holds at most 8192 \(Advanced tier\)$/,
    );
    expect(() => parameterValue('defaults: { mode: yolo }\n', 'bad')).toThrow(/defaults\.mode/);
  });
});
