import { parse } from 'yaml';

/**
 * A configuration document (agent config, model config, a cluster's registry entry, a
 * kubeconfig) as data. YAML, of which JSON is a part: text that is JSON is read by `JSON.parse`,
 * which needs no YAML parser, so a function reading the config `kubemend config export` writes
 * (JSON) never loads one (the bundles load `yaml` on its first call: `scripts/esbuild-plugins.ts`).
 * Anything else, flow-style YAML that starts like JSON included, is YAML's to read, and its errors
 * are YAML's. One difference remains: YAML refuses a key given twice in one mapping, JSON.parse
 * keeps the last.
 */
export function parseDocument(text: string): unknown {
  if (JSON_START.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: YAML reads it or says why not.
    }
  }
  return parse(text) as unknown;
}

const JSON_START = /^\s*[{["]/;
