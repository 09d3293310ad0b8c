import { stringify } from 'yaml';

import type { AgentConfig } from '../config/agent-config.ts';

/** Where Alertmanager sends kubemend's alerts, and how it proves itself. */
export interface WebhookTarget {
  /** `kubemend serve`'s URL, or the stage's WebhookUrl output. */
  url: string;
  /** alertmanager.yml: the file holding the webhook credential (a mounted Secret). */
  credentialsFile: string;
  /** AlertmanagerConfig: the Secret in its namespace holding the credential, and its key. */
  secret: { name: string; key: string };
  /** AlertmanagerConfig: its namespace. */
  namespace: string;
}

export const DEFAULT_TARGET: WebhookTarget = {
  url: 'http://127.0.0.1:8787/alerts',
  credentialsFile: '/etc/alertmanager/secrets/kubemend-webhook-token',
  secret: { name: 'kubemend-webhook-token', key: 'token' },
  namespace: 'monitoring',
};

/** How kubemend's route groups and repeats: one group per alert and namespace; a repeat is recorded once. */
const TIMING = { group_by: ['alertname', 'namespace'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };

/** Every alert the config has a rule for, sorted: what Alertmanager should send kubemend. */
export function handledAlerts(config: AgentConfig): string[] {
  return [...new Set(config.rules.map((rule) => rule.alertname))].sort();
}

/** `A|B|C` for Alertmanager's `=~` (anchored by Alertmanager), each name's regex characters escaped. */
export function alertnameRegex(config: AgentConfig): string {
  return handledAlerts(config)
    .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
}

/**
 * An alertmanager.yml whose route sends kubemend every alert the config has a rule for (and only
 * those), alongside the receivers people already have (`continue: true`): merge its receiver and
 * route into your own. Generated from the config (`kubemend config alertmanager`), so it cannot
 * fall behind the rules; CI checks it with `amtool config routes test`.
 */
export function alertmanagerYaml(config: AgentConfig, target: WebhookTarget = DEFAULT_TARGET): string {
  const document = {
    route: {
      receiver: 'default',
      routes: [
        {
          receiver: 'kubemend',
          // In the matcher's double quotes, `\` and `"` are escaped as Alertmanager reads them.
          matchers: [`alertname =~ "${alertnameRegex(config).replace(/["\\]/g, '\\$&')}"`],
          ...TIMING,
          continue: true,
        },
      ],
    },
    receivers: [
      { name: 'default' },
      {
        name: 'kubemend',
        webhook_configs: [
          {
            url: target.url,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials_file: target.credentialsFile } },
          },
        ],
      },
    ],
  };
  return [
    '# Alertmanager routing for kubemend, generated from config/agent_config.yaml by `kubemend config',
    '# alertmanager` (`npm run infra` writes this copy; a test fails when it is stale). Merge the',
    "# kubemend receiver and route into your own configuration: `continue: true` keeps your people's",
    '# receivers. The credential is read from a file (a mounted Secret); never inline it. `url` is',
    "# what `kubemend serve` prints, or the stage's WebhookUrl output. `max_alerts: 0` sends whole",
    "# groups; kubemend reports Alertmanager's truncation when a limit cuts one.",
    stringify(document, { lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}

/**
 * The same route as a prometheus-operator AlertmanagerConfig, for kube-prometheus-stack. The
 * operator confines an AlertmanagerConfig's route to alerts of its own namespace unless the
 * Alertmanager sets `alertmanagerConfigMatcherStrategy: {type: None}`: cluster alerts carry the
 * namespace of the workload, so that setting is needed (the header says how).
 */
export function alertmanagerConfigYaml(config: AgentConfig, target: WebhookTarget = DEFAULT_TARGET): string {
  const document = {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'AlertmanagerConfig',
    metadata: { name: 'kubemend', namespace: target.namespace, labels: { 'app.kubernetes.io/name': 'kubemend' } },
    spec: {
      route: {
        receiver: 'kubemend',
        groupBy: TIMING.group_by,
        groupWait: TIMING.group_wait,
        groupInterval: TIMING.group_interval,
        repeatInterval: TIMING.repeat_interval,
        continue: true,
        matchers: [{ name: 'alertname', matchType: '=~', value: alertnameRegex(config) }],
      },
      receivers: [
        {
          name: 'kubemend',
          webhookConfigs: [
            {
              url: target.url,
              sendResolved: true,
              maxAlerts: 0,
              httpConfig: {
                authorization: { type: 'Bearer', credentials: { name: target.secret.name, key: target.secret.key } },
              },
            },
          ],
        },
      ],
    },
  };
  return [
    '# kubemend for kube-prometheus-stack: an AlertmanagerConfig with the route of',
    '# infra/alertmanager/alertmanager.yml, generated from config/agent_config.yaml by `kubemend config',
    '# alertmanager -o alertmanagerconfig`. Before applying it:',
    `#   kubectl -n ${target.namespace} create secret generic ${target.secret.name} --from-literal=${target.secret.key}=<the webhook credential>`,
    "# and in the chart's values, so that Alertmanager selects it and routes every namespace's alerts",
    '# (the operator otherwise adds a matcher for this object’s own namespace):',
    '#   alertmanager.alertmanagerSpec.alertmanagerConfigSelector: {matchLabels: {app.kubernetes.io/name: kubemend}}',
    '#   alertmanager.alertmanagerSpec.alertmanagerConfigMatcherStrategy: {type: None}',
    stringify(document, { lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}
