// Reads the packaged CloudFormation template and fails on any IAM statement whose action or
// resource holds a wildcard that infra/iam/wildcards.yaml does not list with its reason, on a
// listed wildcard the template no longer has (the list must stay true), and on a role without
// the stage's permissions boundary. Run by
// scripts/check-template.sh after `npm run package`. scripts/check-package.ts runs
// parametersOutsideStage, for every stage it packages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

/** One wildcard in one role's policy: `action` or `resource` holds a `*`. */
export interface Wildcard {
  role: string;
  action: string;
  resource: string;
}

export interface DocumentedWildcard extends Wildcard {
  reason: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Every (role, action, resource) of an Allow statement in the template's roles and policies where
 * the action or the resource has a `*`. Intrinsic functions are written out with their
 * placeholders (`${AWS::AccountId}`), so a wildcard inside `!Sub` or `!Join` counts too.
 */
export function iamWildcards(template: {
  Resources: Record<string, { Type: string; Properties?: unknown }>;
}): Wildcard[] {
  const found: Wildcard[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    for (const statement of statementsOf(resource.Type, resource.Properties as Json | undefined)) {
      if (statement.Effect !== 'Allow') continue;
      const actions = list(statement.Action).map(text);
      const resources = list(statement.Resource).map(text);
      for (const action of actions) {
        for (const target of resources) {
          if (action.includes('*') || target.includes('*')) found.push({ role: name, action, resource: target });
        }
      }
    }
  }
  return found;
}

/** The roles of the template without a permissions boundary (the pipeline's stages set one). */
export function unboundedRoles(template: {
  Resources: Record<string, { Type: string; Properties?: unknown }>;
}): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .filter(
      ([, resource]) => (resource.Properties as Record<string, unknown> | undefined)?.PermissionsBoundary === undefined,
    )
    .map(([name]) => name);
}

/**
 * The SSM parameters a role with a permissions boundary is granted outside `/kubemend/<stage>/`
 * (the configParameter, slackWebhookParameter and slackSigningSecretParameter stage parameters name them): the stage's boundary
 * (infra/aws/boundary.yaml) allows no other, so the function would be refused it at run time.
 * A grant of the empty name (an optional parameter left unset) names none.
 */
export function parametersOutsideStage(
  template: { Resources: Record<string, { Type: string; Properties?: unknown }> },
  stage: string,
): { role: string; parameter: string }[] {
  const outside: { role: string; parameter: string }[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties as Record<string, Json> | undefined;
    if (resource.Type !== 'AWS::IAM::Role' || props?.PermissionsBoundary === undefined) continue;
    for (const statement of statementsOf(resource.Type, props)) {
      const actions = list(statement.Action).map(text);
      if (statement.Effect !== 'Allow' || !actions.some((action) => action.startsWith('ssm:'))) continue;
      for (const target of list(statement.Resource).map(text)) {
        const at = target.indexOf(':parameter');
        const parameter = at === -1 ? '' : target.slice(at + ':parameter'.length);
        if (parameter !== '' && !parameter.startsWith(`/kubemend/${stage}/`)) outside.push({ role: name, parameter });
      }
    }
  }
  return outside;
}

/** The wildcards found that are not documented, and the documented ones no longer found. */
export function compareWildcards(
  found: readonly Wildcard[],
  documented: readonly DocumentedWildcard[],
): { undocumented: Wildcard[]; stale: DocumentedWildcard[] } {
  const same = (a: Wildcard, b: Wildcard) => a.role === b.role && a.action === b.action && a.resource === b.resource;
  return {
    undocumented: found.filter((w) => !documented.some((d) => same(d, w))),
    stale: documented.filter((d) => !found.some((w) => same(d, w))),
  };
}

function statementsOf(type: string, properties: Json | undefined): Record<string, Json>[] {
  const props = (properties ?? {}) as Record<string, Json>;
  const documents: Json[] =
    type === 'AWS::IAM::Role'
      ? list(props.Policies).map((policy) => (policy as Record<string, Json>).PolicyDocument ?? null)
      : type === 'AWS::IAM::Policy' || type === 'AWS::IAM::ManagedPolicy'
        ? [props.PolicyDocument ?? null]
        : [];
  return documents.flatMap((doc) => list((doc as Record<string, Json> | null)?.Statement) as Record<string, Json>[]);
}

function list(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A policy value as text: a string, `!Sub`'s template, `!Join`'s parts, `${Ref}` for the rest. */
function text(value: Json): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if ('Fn::Sub' in value) {
      const sub = value['Fn::Sub'];
      return typeof sub === 'string' ? sub : text(Array.isArray(sub) ? (sub[0] ?? '') : '');
    }
    if ('Fn::Join' in value && Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'];
      return list(parts)
        .map(text)
        .join(typeof separator === 'string' ? separator : '');
    }
    if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
    if ('Fn::GetAtt' in value) return `\${${list(value['Fn::GetAtt']).map(String).join('.')}}`;
  }
  return JSON.stringify(value);
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..');
  const template = JSON.parse(
    readFileSync(join(root, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ) as Parameters<typeof iamWildcards>[0];
  const documented = (
    parse(readFileSync(join(root, 'infra/iam/wildcards.yaml'), 'utf8')) as {
      wildcards: DocumentedWildcard[];
    }
  ).wildcards;
  const { undocumented, stale } = compareWildcards(iamWildcards(template), documented);
  const unbounded = unboundedRoles(template);
  for (const role of unbounded) console.error(`role without the stage's permissions boundary: ${role}`);
  for (const w of undocumented) console.error(`undocumented IAM wildcard: ${w.role} ${w.action} on ${w.resource}`);
  for (const w of stale)
    console.error(`listed in infra/iam/wildcards.yaml but not in the template: ${w.role} ${w.action} on ${w.resource}`);
  if (undocumented.length > 0 || stale.length > 0 || unbounded.length > 0) process.exit(1);
  console.log(
    `IAM wildcards: ${documented.length}, each documented with its reason; every role has the permissions boundary`,
  );
}
