import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { evaluateSignal } from '../../../lib/models/evaluate.ts';
import {
  loadModelConfig,
  modelConfigJsonSchema,
  parseModelConfigText,
  renderQuery,
} from '../../../lib/models/model-config.ts';
import type { Sample } from '../../../lib/models/stats.ts';

const root = join(import.meta.dirname, '../../..');
const config = loadModelConfig(join(root, 'config/model_config.yaml'));
const signal = (name: string) => config.signals.find((s) => s.name === name)!;
const now = 1_800_000_000;
const options = { now, minPoints: config.defaults.minPoints, sustainedFor: config.defaults.sustainedFor };
/** Three hours a minute apart, ending now. */
const series = (value: (minute: number) => number): Sample[] =>
  Array.from({ length: 181 }, (_, minute) => [now - (180 - minute) * 60, value(minute)]);

describe('metric models', () => {
  it('call steady memory at 98% of the limit a limit too low', () => {
    const verdict = evaluateSignal(
      signal('memory-vs-limit'),
      series((m) => 0.98 + (m % 3) * 0.001),
      options,
    );

    expect(verdict).toMatchObject({ status: 'confirmed', pattern: 'steady-high' });
    expect(verdict.summary).toMatch(/steady at 98% .*: the limit is too low for the load$/);
  });

  it('call memory growing toward the limit a leak, with the time left', () => {
    // From 50% to 95% of the limit over three hours.
    const verdict = evaluateSignal(
      signal('memory-vs-limit'),
      series((m) => 0.5 + (0.45 * m) / 180),
      options,
    );

    expect(verdict).toMatchObject({ status: 'confirmed', pattern: 'leak' });
    expect(verdict.numbers.slopePerHour).toBeCloseTo(0.15, 6);
    expect(verdict.summary).toMatch(/grew 15%\/h for 3\.0 h to 95%, reaching 100% in 20 min: likely a leak/);
  });

  it('do not confirm a blip above the threshold', () => {
    const verdict = evaluateSignal(
      signal('memory-vs-limit'),
      series((m) => (m === 178 ? 0.97 : 0.6)),
      options,
    );

    expect(verdict.status).toBe('not-confirmed');
    expect(verdict.summary).toMatch(/a blip — above 90% for 1 of the last \d+ points/);
  });

  it('confirm a sustained jump from the baseline, and not noise', () => {
    const noisy = (m: number) => 0.05 + ((m * 7919) % 5) * 0.002;
    const jumped = evaluateSignal(
      signal('cpu-throttling'),
      series((m) => (m > 168 ? 0.4 : noisy(m))),
      options,
    );
    const calm = evaluateSignal(signal('cpu-throttling'), series(noisy), options);

    expect(jumped).toMatchObject({ status: 'confirmed' });
    expect(calm).toMatchObject({ status: 'not-confirmed' });
    expect(calm.summary).toMatch(/nothing unusual/);
  });

  it('give no verdict on too little history', () => {
    expect(evaluateSignal(signal('memory-vs-limit'), series(() => 0.99).slice(-10), options)).toMatchObject({
      status: 'insufficient-data',
      summary: expect.stringContaining('10 points, fewer than the 30 needed'),
    });
  });

  it('put the alert’s labels into the PromQL, escaped, or say which are missing', () => {
    expect(renderQuery(signal('container-restarts'), { namespace: 'shop', pod: 'api-"x"' })).toEqual({
      query: 'sum(increase(kube_pod_container_status_restarts_total{namespace="shop",pod="api-\\"x\\""}[10m]))',
    });
    expect(renderQuery(signal('cpu-throttling'), { namespace: 'shop' })).toEqual({ missing: ['pod', 'container'] });
  });

  it('validate the file, naming each problem with its path', () => {
    expect(() =>
      parseModelConfigText(
        'defaults: {window: 3x}\nsignals:\n  - {name: A, description: d, alerts: [], query: up, unit: ratio, models: {}}\n',
        'model_config.yaml',
      ),
    ).toThrow(
      /model_config\.yaml: defaults\.window: expected a duration such as 10m, 3h or 2d; signals\[0\]\.name: lower-case letters, digits and dashes; signals\[0\]\.alerts: .*; signals\[0\]\.models: give at least one model/,
    );
  });

  it('ship a JSON Schema generated from the zod schema (npm run config-schema)', () => {
    expect(JSON.parse(readFileSync(join(root, 'config/model_config.schema.json'), 'utf8'))).toEqual(
      modelConfigJsonSchema(),
    );
  });
});

describe('seasonal baselines', () => {
  it('do not call the usual daily peak a spike when yesterday at this time looked the same', () => {
    const latency = signal('service-latency-p99');
    // Quiet at about 100 ms, then the daily peak at about 400 ms for the last 15 minutes.
    const today = series((m) => (m > 165 ? 0.4 + (m % 3) * 0.005 : 0.1 + (m % 5) * 0.002));
    const yesterdayAtThisTime = Array.from({ length: 30 }, (_, i) => 0.39 + (i % 4) * 0.005);
    const yesterdayQuiet = Array.from({ length: 30 }, (_, i) => 0.1 + (i % 4) * 0.002);

    expect(evaluateSignal(latency, today, options).status).toBe('confirmed');
    expect(evaluateSignal(latency, today, { ...options, previousDays: yesterdayAtThisTime }).status).toBe(
      'not-confirmed',
    );
    expect(evaluateSignal(latency, today, { ...options, previousDays: yesterdayQuiet })).toMatchObject({
      status: 'confirmed',
      pattern: 'spike',
    });
  });
});
