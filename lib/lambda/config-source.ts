import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { ClusterSchema, parseAgentConfig, type AgentConfig } from '../config/agent-config.ts';
import { ConfigError } from '../errors.ts';
import type { ParameterStore } from '../secrets/parameters.ts';

/** The parameters directly under a path (SSM GetParametersByPath), by name. */
export type ListParameters = (path: string) => Promise<{ name: string; value: string }[]>;

export interface ConfigSourceVars {
  KUBEMEND_CONFIG_PATH: string;
  KUBEMEND_CONFIG_PARAMETER?: string;
  KUBEMEND_CLUSTERS_PARAMETER_PATH?: string;
}

/**
 * The functions' agent configuration: from the SSM parameter `KUBEMEND_CONFIG_PARAMETER` when it
 * is set (so a change needs no new package), else the file bundled at `KUBEMEND_CONFIG_PATH`;
 * plus the clusters registered one parameter each under `KUBEMEND_CLUSTERS_PARAMETER_PATH`
 * (`<path>/<cluster name>`, the entry as YAML or JSON without its name), so that registering a
 * cluster needs neither a deploy nor room in the config parameter (8 KB at most; one EKS entry
 * with its certificate authority takes about 2). Either way the same validation over the whole;
 * a bad config or entry fails the cold start, naming the problem and where it is.
 */
export async function loadFunctionConfig(
  vars: ConfigSourceVars,
  parameters: ParameterStore,
  listParameters?: ListParameters,
): Promise<AgentConfig> {
  const { raw, source } = await readConfig(vars, parameters);
  const path = vars.KUBEMEND_CLUSTERS_PARAMETER_PATH;
  if (path === undefined || listParameters === undefined) return parseAgentConfig(raw, source);

  let entries: { name: string; value: string }[];
  try {
    entries = await listParameters(path);
  } catch (error) {
    throw new ConfigError(`cannot read the clusters registered under SSM path ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const config = (raw ?? {}) as { clusters?: unknown };
  const bundled = Array.isArray(config.clusters) ? (config.clusters as { name?: unknown }[]) : [];
  const registered = entries.map((entry) => clusterEntry(entry, bundled, source));
  if (registered.length === 0) return parseAgentConfig(raw, source);
  try {
    return parseAgentConfig(
      { ...config, clusters: [...bundled, ...registered] },
      `${source} with the clusters under ssm:${path}`,
    );
  } catch (error) {
    // A problem of the config itself is named as the config's alone.
    parseAgentConfig(raw, source);
    throw error;
  }
}

async function readConfig(
  vars: ConfigSourceVars,
  parameters: ParameterStore,
): Promise<{ raw: unknown; source: string }> {
  const name = vars.KUBEMEND_CONFIG_PARAMETER;
  let text: string | undefined;
  let source: string;
  if (name === undefined) {
    source = vars.KUBEMEND_CONFIG_PATH;
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read agent config ${source}: ${(error as Error).message}`, { cause: error });
    }
  } else {
    source = `ssm:${name}`;
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
  }
  try {
    return { raw: parseYaml(text), source };
  } catch (error) {
    throw new ConfigError(`agent config ${source} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
}

/** A registry parameter as a cluster entry: its name is the parameter's last segment. */
function clusterEntry(
  parameter: { name: string; value: string },
  bundled: { name?: unknown }[],
  source: string,
): unknown {
  const name = posix.basename(parameter.name);
  const where = `cluster parameter ${parameter.name}`;
  let value: unknown;
  try {
    value = parseYaml(parameter.value);
  } catch (error) {
    throw new ConfigError(`${where} is not valid YAML or JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: expected an object such as {"eks": {"region": "eu-west-1"}}`);
  }
  if ('name' in value && value.name !== name) {
    throw new ConfigError(`${where}: the cluster's name is the parameter's last segment (${name}); drop "name"`);
  }
  const entry = { ...value, name };
  const checked = ClusterSchema.safeParse(entry);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`${where}: ${issues.join('; ')}`);
  }
  if (bundled.some((cluster) => cluster.name === name)) {
    throw new ConfigError(`cluster ${name} is registered twice: in ${source} and as ${parameter.name}; keep one`);
  }
  return entry;
}
