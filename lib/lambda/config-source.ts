import { posix } from 'node:path';

import {
  ClusterSchema,
  parseAgentConfig,
  parseAgentConfigYaml,
  readAgentConfigFile,
  type AgentConfig,
  type ClusterEntry,
} from '../config/agent-config.ts';
import { parseDocument } from '../document.ts';
import { ConfigError } from '../errors.ts';
import type { ParameterStore } from '../secrets/parameters.ts';

/** The parameters directly under a path (SSM GetParametersByPath), by name. */
export type ListParameters = (path: string) => Promise<{ name: string; value: string }[]>;

export interface ConfigSourceVars {
  KUBEMEND_CONFIG_PATH: string;
  KUBEMEND_CONFIG_PARAMETER?: string;
  KUBEMEND_CLUSTERS_PARAMETER_PATH?: string;
}

/** The registry parameters a config was loaded without, by cluster name: why each cannot be used. */
const unusable = new WeakMap<AgentConfig, Record<string, string>>();

/** Why each cluster registered in SSM for `config` was left out (an invalid or doubled entry). */
export function unusableClusters(config: AgentConfig): Record<string, string> {
  return unusable.get(config) ?? {};
}

/**
 * The functions' agent configuration: from the SSM parameter `KUBEMEND_CONFIG_PARAMETER` when it
 * is set (so a change needs no new package), else the file bundled at `KUBEMEND_CONFIG_PATH`,
 * validated alone as the pipeline validates it; a bad config fails the cold start, naming the
 * problem. Then the clusters registered one parameter each directly under
 * `KUBEMEND_CLUSTERS_PARAMETER_PATH` (`<path>/<cluster name>`, the entry as YAML or JSON without its
 * name) join the config's own, so that registering a cluster needs neither a deploy nor room in the
 * config parameter (8 KB at most; one EKS entry with its certificate authority takes about 2).
 * An entry that is invalid, or names a cluster the config already has, is left out on its own
 * (`unusableClusters` says why, and alerts for that cluster are recorded with the reason): one
 * bad parameter never stops the other clusters. A registry that cannot be read at all fails the
 * cold start.
 */
export async function loadFunctionConfig(
  vars: ConfigSourceVars,
  parameters: ParameterStore,
  listParameters?: ListParameters,
): Promise<AgentConfig> {
  const { raw, source } = await readConfig(vars, parameters);
  const config = parseAgentConfig(raw, source);
  const path = vars.KUBEMEND_CLUSTERS_PARAMETER_PATH;
  if (path === undefined || listParameters === undefined) return config;

  let entries: { name: string; value: string }[];
  try {
    entries = await listParameters(path);
  } catch (error) {
    throw new ConfigError(`cannot read the clusters registered under SSM path ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (entries.length === 0) return config;
  const known = new Set(config.clusters.map((cluster) => cluster.name));
  const registered: ClusterEntry[] = [];
  const problems: Record<string, string> = {};
  for (const entry of entries) {
    const checked = clusterEntry(entry, known, source);
    if ('problem' in checked) problems[checked.name] = checked.problem;
    else registered.push(checked.entry);
  }
  // Valid as it stands: the config passed alone, each entry passed the cluster schema, and no
  // name repeats (one parameter per name, none the config has), so nothing is validated twice.
  const merged: AgentConfig = { ...config, clusters: [...config.clusters, ...registered] };
  unusable.set(merged, problems);
  return merged;
}

async function readConfig(
  vars: ConfigSourceVars,
  parameters: ParameterStore,
): Promise<{ raw: unknown; source: string }> {
  const name = vars.KUBEMEND_CONFIG_PARAMETER;
  if (name === undefined) {
    const source = vars.KUBEMEND_CONFIG_PATH;
    return { raw: parseAgentConfigYaml(readAgentConfigFile(source), source), source };
  }
  let text: string | undefined;
  try {
    text = await parameters.get(name);
  } catch (error) {
    throw new ConfigError(`cannot read agent config from SSM parameter ${name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined) {
    throw new ConfigError(`cannot read agent config from SSM parameter ${name}: it does not exist or has no value`);
  }
  const source = `ssm:${name}`;
  return { raw: parseAgentConfigYaml(text, source), source };
}

/** A registry parameter as a cluster entry (its name is the parameter's last segment), or why it cannot be one. */
function clusterEntry(
  parameter: { name: string; value: string },
  known: ReadonlySet<string>,
  source: string,
): { name: string; entry: ClusterEntry } | { name: string; problem: string } {
  const name = posix.basename(parameter.name);
  const refuse = (problem: string) => ({ name, problem: `its registry parameter ${parameter.name} ${problem}` });
  let value: unknown;
  try {
    value = parseDocument(parameter.value);
  } catch (error) {
    return refuse(`is not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('is not an object such as {"eks": {"region": "eu-west-1"}}');
  }
  if ('name' in value && value.name !== name) {
    return refuse(`names another cluster: the name is the parameter's last segment (${name}); drop "name"`);
  }
  const entry = { ...value, name };
  const checked = ClusterSchema.safeParse(entry);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`,
    );
    return refuse(`is invalid: ${issues.join('; ')}`);
  }
  if (known.has(name)) return refuse(`registers a cluster ${source} already has; keep one`);
  return { name, entry: checked.data };
}
