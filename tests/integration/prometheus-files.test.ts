import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';

import { PROMETHEUS_PANELS } from '../../lib/integrations/grafana.ts';
import { rulesWithRunbookBase, scrapeConfigYaml } from '../../lib/integrations/prometheus.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'kubemend-promtool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the Prometheus files, as promtool reads them', () => {
  it('takes the scrape job and kubemend’s rules in one prometheus.yml', async () => {
    const token = join(work, 'token');
    writeFileSync(token, 'metrics-credential-0123456');
    const config = join(work, 'prometheus.yml');
    writeFileSync(
      config,
      `rule_files: [${join(root, 'infra/prometheus/kubemend-rules.yml')}]\n${scrapeConfigYaml({ target: '127.0.0.1:8787', credentialsFile: token })}`,
    );

    const { stdout } = await run('promtool', ['check', 'config', config]);

    expect(stdout).toContain('SUCCESS');
  });

  it('takes the rules with absolute runbook URLs as it takes the shipped ones', async () => {
    const file = join(work, 'kubemend-rules.yml');
    const shipped = readFileSync(join(root, 'infra/prometheus/kubemend-rules.yml'), 'utf8');
    writeFileSync(file, rulesWithRunbookBase(shipped, 'https://runbooks.example/kubemend'));

    const { stdout } = await run('promtool', ['check', 'rules', file]);

    expect(stdout).toMatch(/SUCCESS: [1-9]\d* rules found/);
  });

  it('parses every query of the Grafana dashboard', async () => {
    const file = join(work, 'dashboard-queries.yml');
    // Grafana fills $__rate_interval in; promtool reads each query as a recording rule's expression.
    const rules = PROMETHEUS_PANELS.flatMap((panel) => panel.queries).map((query, index) => ({
      record: `dashboard:query_${index}`,
      expr: query.expr.replaceAll('$__rate_interval', '5m'),
    }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));

    const { stdout } = await run('promtool', ['check', 'rules', file]);

    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});
