import type { AgentConfig } from '../config/agent-config.ts';
import { alertmanagerConfigYaml, alertmanagerYaml } from './alertmanager.ts';
import { prometheusDashboard } from './grafana.ts';
import { scrapeConfigYaml, serviceMonitorYaml } from './prometheus.ts';

/**
 * The files under infra/ that follow from the code and the shipped config, by path: `npm run
 * infra` writes them, and a test fails when a copy in the repository is stale.
 */
export function infraFiles(config: AgentConfig): Record<string, string> {
  return {
    'infra/alertmanager/alertmanager.yml': alertmanagerYaml(config),
    'infra/alertmanager/alertmanagerconfig.yaml': alertmanagerConfigYaml(config),
    'infra/prometheus/scrape-config.yml': scrapeConfigYaml(),
    'infra/prometheus/servicemonitor.yaml': serviceMonitorYaml(),
    'infra/grafana/kubemend-prometheus.json': prometheusDashboard(),
  };
}
