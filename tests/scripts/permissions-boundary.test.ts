// The stage's permissions boundary (infra/aws/boundary.yaml, PermissionsBoundary) against the
// roles it bounds (serverless.yml's roles, the canary's CodeDeploy role, the AWS managed policies
// they carry): scoped to the stage's own resources but for a named few actions, and still wide
// enough for everything the roles use, in every stage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parseDocument, type CollectionTag, type ScalarTag, type YAMLSeq } from 'yaml';

import { addCanaryDeployment, type CfnTemplate } from '../../scripts/serverless-canary.ts';

const root = join(import.meta.dirname, '../..');

/** CloudFormation's short tags in their long form (`!Sub x` → `{ 'Fn::Sub': x }`), scalar or sequence. */
function cloudFormationTags(): (ScalarTag | CollectionTag)[] {
  const tags = { Ref: 'Ref', Sub: 'Fn::Sub', GetAtt: 'Fn::GetAtt', If: 'Fn::If', Equals: 'Fn::Equals', Not: 'Fn::Not' };
  return Object.entries(tags).flatMap(([short, long]): (ScalarTag | CollectionTag)[] => [
    { tag: `!${short}`, resolve: (value: string) => ({ [long]: short === 'GetAtt' ? value.split('.') : value }) },
    { tag: `!${short}`, collection: 'seq', resolve: (seq) => ({ [long]: (seq as YAMLSeq).toJSON() }) },
  ]);
}

function loadTemplate(path: string): unknown {
  const document = parseDocument(readFileSync(join(root, path), 'utf8'), { customTags: cloudFormationTags() });
  if (document.errors.length > 0 || document.warnings.length > 0)
    throw new Error(`${path}: ${[...document.errors, ...document.warnings].join('; ')}`);
  return document.toJS();
}

interface Statement {
  Effect: string;
  Action?: string | string[];
  Resource?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
}
interface Role {
  Type: string;
  Properties?: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
}

const deploy = loadTemplate('infra/aws/boundary.yaml') as {
  Parameters: { Stage: { AllowedValues: string[] } };
  Resources: { PermissionsBoundary: { Properties: { PolicyDocument: { Statement: Statement[] } } } };
};
const stages = deploy.Parameters.Stage.AllowedValues;
const boundary = deploy.Resources.PermissionsBoundary.Properties.PolicyDocument.Statement;
const delivery = loadTemplate('infra/aws/github-deploy.yaml') as { Parameters: { Stage: { AllowedValues: string[] } } };

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A boundary resource as written: a plain string or a `!Sub` template. */
function written(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const sub = (resource as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  throw new Error(`a boundary resource is a string or a !Sub string, not ${JSON.stringify(resource)}`);
}

/** Actions that support no resource-level permissions: `*` is the only resource they take. */
const WITHOUT_RESOURCE_LEVEL = ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'];

const NETWORK_INTERFACES = [
  'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*/*',
  'arn:${AWS::Partition}:ec2:${AWS::Region}:*:subnet/*',
];
/**
 * Actions on resources the stack does not name, each held to exactly these: the clusters the
 * registry names (this account's), the cluster accounts' roles (by their names), the network
 * interfaces EC2 names (this account and region; a shared VPC's subnets are its owner's).
 */
const NOT_NAMED_BY_THE_STACK: Record<string, string[]> = {
  'eks:DescribeCluster': ['arn:${AWS::Partition}:eks:*:${AWS::AccountId}:cluster/*'],
  'sts:AssumeRole': ['arn:aws:iam::*:role/kubemend-detector*', 'arn:aws:iam::*:role/kubemend-remediator*'],
  'ec2:CreateNetworkInterface': NETWORK_INTERFACES,
  'ec2:DeleteNetworkInterface': NETWORK_INTERFACES,
  'ec2:AssignPrivateIpAddresses': NETWORK_INTERFACES,
  'ec2:UnassignPrivateIpAddresses': NETWORK_INTERFACES,
};

/**
 * This region and account, then the stage's name before any wildcard: `kubemend-<stage>-…`
 * (after a `/` or `:`, or first) or `parameter/kubemend/<stage>/…`.
 */
function stageScoped(resource: string): boolean {
  const head = /^arn:\$\{AWS::Partition\}:[a-z0-9-]+:\$\{AWS::Region\}:\$\{AWS::AccountId\}:([^*]*)/.exec(resource);
  return head !== null && /(^|[/:])kubemend-\$\{Stage\}-|^parameter\/kubemend\/\$\{Stage\}\//.test(head[1] ?? '');
}

describe("the stage's permissions boundary", () => {
  it("is the policy the pipeline's execution role requires of every role it creates, for the same stages", () => {
    const text = readFileSync(join(root, 'infra/aws/github-deploy.yaml'), 'utf8');
    const names = loadTemplate('infra/aws/boundary.yaml') as {
      Resources: { PermissionsBoundary: { Properties: { ManagedPolicyName: { 'Fn::Sub': string } } } };
    };

    expect(delivery.Parameters.Stage.AllowedValues).toEqual(stages);
    expect(names.Resources.PermissionsBoundary.Properties.ManagedPolicyName['Fn::Sub']).toBe(
      'kubemend-${Stage}-boundary',
    );
    expect(text).toContain(
      'iam:PermissionsBoundary: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/kubemend-${Stage}-boundary',
    );
  });

  const allows = boundary.filter((statement) => statement.Effect === 'Allow');

  it('allows named actions on named resources only (no NotAction, no NotResource, no action wildcard, no `?`)', () => {
    for (const statement of allows) {
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of list(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect(list(statement.Resource).length).toBeGreaterThan(0);
      for (const resource of list(statement.Resource).map(written)) expect(resource).not.toContain('?');
    }
  });

  it("scopes every statement to the stage's resources, but for the actions without resource-level permissions and those on resources the stack does not name", () => {
    const wider: string[] = [];
    for (const statement of allows) {
      for (const action of list(statement.Action)) {
        for (const resource of list(statement.Resource).map(written)) {
          const ok =
            resource === '*'
              ? WITHOUT_RESOURCE_LEVEL.includes(action)
              : action in NOT_NAMED_BY_THE_STACK
                ? NOT_NAMED_BY_THE_STACK[action]!.includes(resource)
                : stageScoped(resource);
          if (!ok) wider.push(`${action} on ${resource}`);
        }
      }
    }
    expect(wider).toEqual([]);
  });

  it('names no exception it no longer needs', () => {
    const actions = allows.flatMap((statement) => list(statement.Action));
    expect(
      [...WITHOUT_RESOURCE_LEVEL, ...Object.keys(NOT_NAMED_BY_THE_STACK)].filter((a) => !actions.includes(a)),
    ).toEqual([]);
  });

  it.each(stages)('allows %s every action the roles use, on the resources they name', (stage) => {
    const refused = usesOf(stage).filter((use) => !allowedIn(stage, use));
    expect(refused).toEqual([]);
  });

  it.each(stages)(
    "refuses %s another stage's queues, table, topic, parameters, log groups, functions and alarms",
    (stage) => {
      const others = stages
        .filter((other) => other !== stage)
        .flatMap(usesOf)
        .filter((use) => !(use.action in NOT_NAMED_BY_THE_STACK) && !WITHOUT_RESOURCE_LEVEL.includes(use.action));
      expect(others.length).toBeGreaterThan(20);
      expect(others.filter((use) => allowedIn(stage, use))).toEqual([]);
    },
  );
});

// What the roles use, for one stage, as CloudFormation and Lambda would name it.

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const pseudoParameters = (text: string) =>
  text
    .replaceAll('${AWS::Partition}', 'aws')
    .replaceAll('${AWS::Region}', REGION)
    .replaceAll('${AWS::AccountId}', ACCOUNT);
/** The suffix CloudFormation gives what the stack leaves unnamed (`<stack>-<logical id>-<suffix>`). */
const SUFFIX = '1A2B3C4D5E6F';

interface Use {
  role: string;
  action: string;
  resource: string;
}

const sls = loadTemplate('serverless.yml') as {
  service: string;
  params: Record<string, Record<string, unknown> | undefined>;
  custom: Record<string, unknown> & { canary: { alias: string; functions: string[]; alarms: string[] } };
  functions: Record<string, unknown>;
  resources: { Resources: Record<string, Role & { Properties?: Record<string, unknown> }> };
};

/** serverless.yml's `${self:…}` and `${param:…}` for the stage. */
function serverlessVariables(stage: string, text: string): string {
  return text.replace(/\$\{(self|param):([^}]+)\}/g, (_, source: string, path: string) => {
    if (source === 'param') {
      const value = sls.params[stage]?.[path] ?? sls.params.default?.[path];
      if (typeof value !== 'string') throw new Error(`serverless.yml: no string param ${path}`);
      return serverlessVariables(stage, value);
    }
    if (path === 'service') return sls.service;
    if (path === 'provider.stage') return stage;
    const custom = path.startsWith('custom.') ? sls.custom[path.slice('custom.'.length)] : undefined;
    if (typeof custom !== 'string') throw new Error(`serverless.yml: cannot resolve \${self:${path}}`);
    return serverlessVariables(stage, custom);
  });
}

const logicalIdOf = (fn: string) => `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;

/** The ARN of a resource of the stack, as CloudFormation (or Serverless, for the functions) names it. */
function arnOf(stage: string, template: CfnTemplate, id: string): string {
  const at = (service: string, name: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${name}`;
  const generated = `kubemend-${stage}-${id}-${SUFFIX}`;
  const fn = Object.keys(sls.functions).find((name) => logicalIdOf(name) === id);
  const resource = template.Resources[id];
  switch (resource?.Type) {
    case 'AWS::SQS::Queue':
      return at('sqs', generated);
    case 'AWS::SNS::Topic':
      return at('sns', generated);
    case 'AWS::CloudWatch::Alarm':
      return at('cloudwatch', `alarm:${generated}`);
    case 'AWS::DynamoDB::Table':
      return at('dynamodb', `table/${serverlessVariables(stage, String(resource.Properties?.TableName))}`);
    case 'AWS::Lambda::Function':
      return at('lambda', `function:${sls.service}-${stage}-${fn ?? id}`);
    default:
      throw new Error(`no ARN for ${id}`);
  }
}

/** A policy resource written out for the stage: variables, pseudo parameters, Ref, GetAtt and Sub. */
function resolved(stage: string, template: CfnTemplate, value: unknown): string {
  if (typeof value === 'string') return serverlessVariables(stage, value);
  const intrinsic = value as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Sub'?: string };
  if (intrinsic.Ref !== undefined) return arnOf(stage, template, intrinsic.Ref);
  if (intrinsic['Fn::GetAtt']?.[1] === 'Arn') return arnOf(stage, template, intrinsic['Fn::GetAtt'][0]!);
  if (intrinsic['Fn::Sub'] !== undefined)
    return pseudoParameters(serverlessVariables(stage, intrinsic['Fn::Sub'])).replace(
      /\$\{(\w+)(?:\.Arn)?\}/g,
      (_, id: string) => arnOf(stage, template, id),
    );
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** serverless.yml's resources with the canary's (CodeDeploy's role, the errors alarms) added as at package time. */
function stackTemplate(): CfnTemplate {
  const template = structuredClone(sls.resources) as unknown as CfnTemplate;
  const { alias, functions, alarms } = sls.custom.canary;
  for (const fn of Object.keys(sls.functions)) {
    template.Resources[logicalIdOf(fn)] = { Type: 'AWS::Lambda::Function' };
    template.Resources[`${logicalIdOf(fn)}Version`] = {
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: { Ref: logicalIdOf(fn) } },
    };
  }
  addCanaryDeployment(template, {
    alias,
    deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    functions: functions.map((name) => ({ name, logicalId: logicalIdOf(name) })),
    alarms,
  });
  return template;
}

/**
 * Every (role, action, resource) the stack's roles are granted, for the stage: their own policies
 * (a grant of the empty SSM name, an optional parameter left unset, names nothing and is left
 * out), and what the AWS managed policies give every function's role: its log group, and its
 * network interfaces in a VPC.
 */
function usesOf(stage: string): Use[] {
  const template = stackTemplate();
  const uses: Use[] = [];
  for (const [role, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of (resource as Role).Properties?.Policies ?? []) {
      for (const statement of policy.PolicyDocument.Statement) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of list(statement.Action)) {
          for (const target of list(statement.Resource).map((value) => resolved(stage, template, value))) {
            if (!target.endsWith(':parameter')) uses.push({ role, action, resource: target });
          }
        }
      }
    }
  }
  const ec2 = (account: string, name: string) => `arn:aws:ec2:${REGION}:${account}:${name}`;
  for (const fn of Object.keys(sls.functions)) {
    const role = `${fn} (AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole)`;
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${sls.service}-${stage}-${fn}`;
    uses.push(
      { role, action: 'logs:CreateLogGroup', resource: group },
      ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
        role,
        action,
        resource: `${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`,
      })),
      ...[
        ec2(ACCOUNT, 'network-interface/eni-0123456789abcdef0'),
        ec2(ACCOUNT, 'subnet/subnet-0123456789abcdef0'),
        ec2('210987654321', 'subnet/subnet-0fedcba9876543210'),
        ec2(ACCOUNT, 'security-group/sg-0123456789abcdef0'),
      ].map((resource) => ({ role, action: 'ec2:CreateNetworkInterface', resource })),
      ...['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'].map(
        (action) => ({ role, action, resource: ec2(ACCOUNT, 'network-interface/eni-0123456789abcdef0') }),
      ),
      ...WITHOUT_RESOURCE_LEVEL.map((action) => ({ role, action, resource: '*' })),
    );
  }
  return uses;
}

/**
 * Whether the stage's boundary allows the use: an Allow statement lists its action and a resource
 * whose `*`s match the use's ARN. A use that is itself a pattern (the clusters, the cluster roles)
 * is matched as written, which holds it inside the boundary's pattern (the boundary has no `?`).
 */
function allowedIn(stage: string, use: Use): boolean {
  const forStage = (resource: string) => pseudoParameters(resource.replaceAll('${Stage}', stage));
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`).test(use.resource);
  return boundary.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Action).includes(use.action) &&
      list(statement.Resource).map(written).map(forStage).some(matches),
  );
}
