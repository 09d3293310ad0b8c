import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { loadAgentConfig } from '../../../lib/config/agent-config.ts';
import {
  alertmanagerConfigYaml,
  alertmanagerYaml,
  alertnameRegex,
  handledAlerts,
} from '../../../lib/integrations/alertmanager.ts';
import { testConfig } from '../../helpers/support.ts';

const shipped = loadAgentConfig(join(import.meta.dirname, '../../../config/agent_config.yaml'));

describe('the Alertmanager route, from the config', () => {
  it('sends kubemend every alert the config has a rule for, and nothing it ignores', () => {
    const route = parse(alertmanagerYaml(shipped)) as {
      route: { routes: { receiver: string; matchers: string[]; continue: boolean }[] };
    };

    expect(route.route.routes[0]).toMatchObject({ receiver: 'kubemend', continue: true });
    expect(route.route.routes[0]!.matchers).toEqual([`alertname =~ "${handledAlerts(shipped).join('|')}"`]);
    expect(handledAlerts(shipped)).toEqual(expect.arrayContaining(['KubePodCrashLooping', 'KubeNodeNotReady']));
    for (const ignored of shipped.ignore) expect(handledAlerts(shipped)).not.toContain(ignored.alertname);
  });

  it('escapes what a regex would read in a name', () => {
    const config = testConfig({
      rules: [
        { alertname: 'B.Alert', detector: 'crash-loop' },
        { alertname: 'A', detector: 'crash-loop' },
      ],
    });
    expect(alertnameRegex(config)).toBe('A|B\\.Alert');
    const quoted = testConfig({ rules: [{ alertname: 'Say"Hi\\', detector: 'crash-loop' }] });
    expect(
      (parse(alertmanagerYaml(quoted)) as { route: { routes: { matchers: string[] }[] } }).route.routes[0]!.matchers,
    ).toEqual(['alertname =~ "Say\\"Hi\\\\\\\\"']);
  });

  it('writes the same route as an AlertmanagerConfig, its credential in a Secret', () => {
    const resource = parse(
      alertmanagerConfigYaml(shipped, {
        url: 'https://abc.execute-api.eu-west-1.amazonaws.com/alerts',
        credentialsFile: '/unused',
        secret: { name: 'kubemend', key: 'credential' },
        namespace: 'observability',
      }),
    ) as { metadata: { namespace: string }; spec: { route: Record<string, unknown>; receivers: unknown[] } };

    expect(resource.metadata.namespace).toBe('observability');
    expect(resource.spec.route).toMatchObject({
      receiver: 'kubemend',
      continue: true,
      matchers: [{ name: 'alertname', matchType: '=~', value: alertnameRegex(shipped) }],
    });
    expect(resource.spec.receivers).toEqual([
      {
        name: 'kubemend',
        webhookConfigs: [
          {
            url: 'https://abc.execute-api.eu-west-1.amazonaws.com/alerts',
            sendResolved: true,
            maxAlerts: 0,
            httpConfig: { authorization: { type: 'Bearer', credentials: { name: 'kubemend', key: 'credential' } } },
          },
        ],
      },
    ]);
  });
});
