import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';

import {
  rulesWithRunbookBase,
  SCRAPE_JOB,
  scrapeConfigYaml,
  serviceMonitorYaml,
} from '../../../lib/integrations/prometheus.ts';

const shippedRules = readFileSync(join(import.meta.dirname, '../../../infra/prometheus/kubemend-rules.yml'), 'utf8');
const rules = parse(shippedRules) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};

describe("Prometheus's view of kubemend serve", () => {
  it('scrapes under the job name KubemendDown alerts on', () => {
    const down = rules.groups.flatMap((group) => group.rules).find((rule) => rule.alert === 'KubemendDown')!;
    const config = parse(scrapeConfigYaml({ target: 'kubemend:8787', credentialsFile: '/t' })) as {
      scrape_configs: { job_name: string; authorization: unknown; static_configs: unknown }[];
    };

    expect(down.expr).toContain(`up{job="${SCRAPE_JOB}"}`);
    expect(config.scrape_configs).toEqual([
      expect.objectContaining({
        job_name: SCRAPE_JOB,
        authorization: { type: 'Bearer', credentials_file: '/t' },
        static_configs: [{ targets: ['kubemend:8787'] }],
      }),
    ]);
  });

  it('names the Service after that job, so that the operator’s ServiceMonitor job matches too', () => {
    const [service, monitor] = parseAllDocuments(serviceMonitorYaml('ops')).map((doc) => doc.toJS() as unknown) as [
      { kind: string; metadata: { name: string; namespace: string; labels: Record<string, string> } },
      { kind: string; spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] } },
    ];

    expect(service).toMatchObject({ kind: 'Service', metadata: { name: SCRAPE_JOB, namespace: 'ops' } });
    expect(monitor.kind).toBe('ServiceMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.endpoints[0]!.port).toBe('http');
  });

  it('makes every runbook_url absolute under a base URL, keeping the comments', () => {
    const rendered = rulesWithRunbookBase(
      shippedRules,
      'https://git.example.com/sre/kubemend/-/blob/main/docs/runbooks',
    );
    const urls = (parse(rendered) as typeof rules).groups
      .flatMap((group) => group.rules)
      .map((rule) => (rule as { annotations?: { runbook_url?: string } }).annotations?.runbook_url);

    expect(urls.length).toBeGreaterThan(3);
    expect(
      urls.every((url) => url?.startsWith('https://git.example.com/sre/kubemend/-/blob/main/docs/runbooks/')),
    ).toBe(true);
    expect(urls).toContain('https://git.example.com/sre/kubemend/-/blob/main/docs/runbooks/fix-undone.md');
    expect(rendered.split('\n')[0]).toBe(shippedRules.split('\n')[0]);
    expect(rulesWithRunbookBase(rendered, 'https://other.example/runbooks')).toBe(rendered);
    expect(() => rulesWithRunbookBase(shippedRules, 'docs/runbooks')).toThrow(
      '--runbook-base-url must be an absolute URL',
    );
    expect(() => rulesWithRunbookBase(shippedRules, 'file:///etc')).toThrow('must be http or https');
  });
});
