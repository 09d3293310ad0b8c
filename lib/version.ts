import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { processEnv } from './process-env.ts';

/** Replaced by esbuild's `define` when the functions are bundled (serverless.yml custom.esbuild.define). */
declare const KUBEMEND_BUILD_VERSION: string | undefined;
declare const KUBEMEND_BUILD_COMMIT: string | undefined;

export interface BuildInfo {
  /** package.json's version. */
  version: string;
  /** The git commit the build came from (short hash), when known. */
  commit?: string;
}

let cached: BuildInfo | undefined;

/**
 * Which kubemend this is. Bundled functions carry the values esbuild wrote into them at package
 * time; the CLI, run from source, reads package.json and asks git (KUBEMEND_COMMIT overrides, for
 * checkouts without git).
 */
export function buildInfo(): BuildInfo {
  cached ??= resolveBuildInfo({
    bundledVersion: typeof KUBEMEND_BUILD_VERSION === 'string' ? KUBEMEND_BUILD_VERSION : undefined,
    bundledCommit: typeof KUBEMEND_BUILD_COMMIT === 'string' ? KUBEMEND_BUILD_COMMIT : undefined,
    env: processEnv(),
    root: new URL('..', import.meta.url),
  });
  return cached;
}

/** The resolution behind buildInfo(), with its inputs explicit. */
export function resolveBuildInfo(inputs: {
  bundledVersion?: string;
  bundledCommit?: string;
  env: NodeJS.ProcessEnv;
  root: URL;
}): BuildInfo {
  const version = nonEmpty(inputs.bundledVersion) ?? readPackageVersion(inputs.root) ?? '0.0.0-unknown';
  const commit =
    nonEmpty(inputs.bundledCommit) ??
    nonEmpty(inputs.env.KUBEMEND_COMMIT) ??
    (inputs.bundledVersion === undefined ? gitCommit(inputs.root) : undefined);
  return commit === undefined ? { version } : { version, commit };
}

/** `0.1.0 (commit 1a2b3c4d5e6f)` or `0.1.0`. */
export function formatBuildInfo(info: BuildInfo): string {
  return info.commit === undefined ? info.version : `${info.version} (commit ${info.commit})`;
}

function readPackageVersion(root: URL): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

function gitCommit(root: URL): string | undefined {
  try {
    return nonEmpty(
      execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      }).trim(),
    );
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
