// A Serverless Framework plugin: drops each `DependsOn` entry that the resource's own `Ref` or
// `Fn::GetAtt` already implies (cfn-lint W3005). The Framework adds them (a function on its role
// and log group, a route on its integration); CloudFormation orders the resources the same way
// without them, and a template without them passes every validator as it is, emulators' included.
import type { CfnTemplate } from './serverless-canary.ts';

/** The logical IDs a value refers to through `Ref`, `Fn::GetAtt` or `Fn::Sub`'s `${Name}`. */
export function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedIds(item, found));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target: unknown = Array.isArray(inner)
          ? (inner as unknown[])[0]
          : typeof inner === 'string'
            ? inner.split('.')[0]
            : undefined;
        if (typeof target === 'string') found.add(target);
      } else if (key === 'Fn::Sub') {
        const text: unknown = Array.isArray(inner) ? (inner as unknown[])[0] : inner;
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) found.add(match[1]!);
        }
        referencedIds(inner, found);
      } else referencedIds(inner, found);
    }
  }
  return found;
}

/** Removes the implied entries from every resource's `DependsOn`; how many were removed. */
export function dropImpliedDependencies(template: CfnTemplate): number {
  let dropped = 0;
  for (const resource of Object.values(template.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const implied = referencedIds([resource.Properties, (resource as { Metadata?: unknown }).Metadata]);
    const listed = Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
    const kept = listed.filter((id) => !implied.has(id));
    dropped += listed.length - kept.length;
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
  return dropped;
}

interface ServerlessLike {
  service: { provider: { compiledCloudFormationTemplate: CfnTemplate } };
}

// Serverless loads a plugin module's default export (here through Node's require of ES modules).
// eslint-disable-next-line no-restricted-syntax
export default class ImpliedDependencies {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: ServerlessLike) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        dropImpliedDependencies(serverless.service.provider.compiledCloudFormationTemplate);
      },
    };
  }
}
