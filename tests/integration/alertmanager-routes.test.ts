import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from '@jest/globals';

import { loadAgentConfig } from '../../lib/config/agent-config.ts';
import { loadMixinAlerts } from '../../lib/config/mixin-alerts.ts';
import { alertmanagerYaml, handledAlerts } from '../../lib/integrations/alertmanager.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const shipped = loadAgentConfig(join(root, 'config/agent_config.yaml'));
const work = mkdtempSync(join(tmpdir(), 'kubemend-amtool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The receivers Alertmanager's own router picks for an alert with these labels (`amtool config routes test`). */
async function receivers(file: string, labels: Record<string, string>): Promise<string> {
  const { stdout } = await run('amtool', [
    'config',
    'routes',
    'test',
    `--config.file=${file}`,
    ...Object.entries(labels).map(([name, value]) => `${name}=${value}`),
  ]);
  return stdout.trim();
}

describe('the generated Alertmanager route, as amtool routes it', () => {
  it('sends every alert kubemend has a rule for to kubemend, and every other mixin alert elsewhere', async () => {
    const file = join(root, 'infra/alertmanager/alertmanager.yml');
    await run('amtool', ['check-config', file]);
    const handled = new Set(handledAlerts(shipped));
    const others = Object.values(loadMixinAlerts().groups)
      .flat()
      .filter((name) => !handled.has(name));

    for (const alertname of handled) {
      expect([alertname, await receivers(file, { alertname, namespace: 'shop' })]).toEqual([alertname, 'kubemend']);
    }
    expect(others.length).toBeGreaterThan(0);
    for (const alertname of [...others, 'Watchdog', `${[...handled][0]}Extra`]) {
      expect([alertname, await receivers(file, { alertname })]).toEqual([alertname, 'default']);
    }
  }, 120_000);

  it('follows the config: a rule added is routed, with no hand edit', async () => {
    const file = join(work, 'alertmanager.yml');
    const config = { ...shipped, rules: [...shipped.rules, { ...shipped.rules[0]!, alertname: 'TeamDiskAlmostFull' }] };
    writeFileSync(file, alertmanagerYaml(config));

    expect(await receivers(file, { alertname: 'TeamDiskAlmostFull' })).toBe('kubemend');
  });
});
