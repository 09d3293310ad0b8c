// A local Serverless plugin: canary releases of the functions through CodeDeploy.
//
// Serverless names each function's version resource after a hash of its code
// (`ReceiverLambdaVersion<hash>`), so static `resources:` cannot point at it. After Serverless
// merges serverless.yml's `resources:` into the compiled template, this plugin adds, per function:
//   - an alias (`live`) on the new version, with UpdatePolicy.CodeDeployLambdaAliasUpdate: a new
//     version reaches the alias through a CodeDeploy deployment, not at once;
//   - a CodeDeploy deployment group (canary, e.g. 10% for 5 minutes) that stops and rolls back
//     when the function's errors alarm or a dead-letter-queue alarm fires;
//   - an errors alarm on the alias;
// plus one CodeDeploy application and a service role limited to those aliases and alarms. Every
// event source (HTTP API integration and permission, SQS mappings, schedules) is re-pointed from
// the function ($LATEST) to the alias. Settings: `custom.canary` in serverless.yml.
// scripts/check-package.ts fails the build when any of it is missing from the packaged template.

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  UpdatePolicy?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  Condition?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

export interface CanarySettings {
  /** The alias every event source invokes. */
  alias: string;
  /** A CodeDeploy Lambda deployment configuration, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes. */
  deploymentConfig: string;
  /** The functions released this way: Serverless names and the logical IDs of their AWS::Lambda::Function. */
  functions: { name: string; logicalId: string }[];
  /** Logical IDs of alarms that stop every function's deployment (the dead-letter-queue depth alarms). */
  alarms: string[];
  /** The SNS topic (logical ID) the new alarms tell, as the stack's other alarms do. */
  notificationTopic?: string;
}

export const CODEDEPLOY_APPLICATION = 'CodeDeployApplication';
export const CODEDEPLOY_ROLE = 'CodeDeployServiceRole';

/** `live` → `Live`, for logical IDs. */
function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The logical IDs this plugin gives one function's resources. */
export function canaryLogicalIds(functionLogicalId: string, alias: string) {
  const base = functionLogicalId.replace(/LambdaFunction$/, '');
  return {
    alias: `${base}Alias${pascal(alias)}`,
    deploymentGroup: `${base}DeploymentGroup`,
    errorsAlarm: `${base}CanaryErrorsAlarm`,
  };
}

/**
 * Adds the aliases, deployment groups, alarms, CodeDeploy application and role to a compiled
 * template and re-points the event sources at the aliases. Throws when the template lacks what it
 * needs (a function, its version, a named alarm), so a broken setting fails packaging.
 */
export function addCanaryDeployment(template: CfnTemplate, settings: CanarySettings): void {
  const resources = template.Resources;
  if (!/^[A-Za-z0-9-_]+$/.test(settings.alias) || /^\d+$/.test(settings.alias)) {
    throw new Error(`canary: alias "${settings.alias}" is not a valid Lambda alias name`);
  }
  if (settings.functions.length === 0) throw new Error('canary: no functions listed');
  for (const alarm of settings.alarms) {
    if (resources[alarm]?.Type !== 'AWS::CloudWatch::Alarm') {
      throw new Error(`canary: ${alarm} is not an AWS::CloudWatch::Alarm in the template`);
    }
  }
  if (settings.notificationTopic !== undefined && resources[settings.notificationTopic] === undefined) {
    throw new Error(`canary: no ${settings.notificationTopic} in the template`);
  }

  const aliasArns: unknown[] = [];
  const alarmArns: unknown[] = settings.alarms.map((alarm) => ({ 'Fn::GetAtt': [alarm, 'Arn'] }));

  for (const fn of settings.functions) {
    if (resources[fn.logicalId]?.Type !== 'AWS::Lambda::Function') {
      throw new Error(`canary: function ${fn.name} (${fn.logicalId}) is not in the template`);
    }
    const versions = Object.entries(resources).filter(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Version' && same(resource.Properties?.FunctionName, { Ref: fn.logicalId }),
    );
    if (versions.length !== 1) {
      throw new Error(
        `canary: expected one AWS::Lambda::Version of ${fn.logicalId}, found ${versions.length} (is provider.versionFunctions off?)`,
      );
    }
    const [versionId] = versions[0]!;
    const ids = canaryLogicalIds(fn.logicalId, settings.alias);

    resources[ids.errorsAlarm] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: `${fn.name}: invocations through the ${settings.alias} alias failed; during a release this stops the canary and rolls back (docs/runbooks/rollback-a-release.md)`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: fn.logicalId } },
          { Name: 'Resource', Value: { 'Fn::Sub': `\${${fn.logicalId}}:${settings.alias}` } },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        ...(settings.notificationTopic === undefined ? {} : { AlarmActions: [{ Ref: settings.notificationTopic }] }),
      },
    };
    alarmArns.push({ 'Fn::GetAtt': [ids.errorsAlarm, 'Arn'] });

    resources[ids.deploymentGroup] = {
      Type: 'AWS::CodeDeploy::DeploymentGroup',
      Properties: {
        ApplicationName: { Ref: CODEDEPLOY_APPLICATION },
        ServiceRoleArn: { 'Fn::GetAtt': [CODEDEPLOY_ROLE, 'Arn'] },
        DeploymentConfigName: settings.deploymentConfig,
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AlarmConfiguration: {
          Enabled: true,
          Alarms: [ids.errorsAlarm, ...settings.alarms].map((alarm) => ({ Name: { Ref: alarm } })),
        },
        AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      },
    };

    resources[ids.alias] = {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: fn.logicalId },
        FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
        Name: settings.alias,
        Description: `What the event sources invoke; moved to a new version by CodeDeploy (${settings.deploymentConfig})`,
      },
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: CODEDEPLOY_APPLICATION },
          DeploymentGroupName: { Ref: ids.deploymentGroup },
        },
      },
    };
    aliasArns.push({ 'Fn::Sub': `\${${fn.logicalId}.Arn}:${settings.alias}` });

    repointEventSources(resources, fn.logicalId, { Ref: ids.alias });
  }

  resources[CODEDEPLOY_APPLICATION] = {
    Type: 'AWS::CodeDeploy::Application',
    Properties: { ComputePlatform: 'Lambda' },
  };
  // What CodeDeploy needs for Lambda traffic shifting without hooks: read and move the aliases,
  // read the alarms that gate them. Nothing else (no hook invocation, no SNS triggers).
  resources[CODEDEPLOY_ROLE] = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'codedeploy.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'canary-traffic-shifting',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
                Resource: [...settings.functions.map((fn) => ({ 'Fn::GetAtt': [fn.logicalId, 'Arn'] })), ...aliasArns],
              },
              { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: alarmArns },
            ],
          },
        },
      ],
    },
  };
}

/** Points the function's event sources at `target` (the alias) instead of the function itself. */
function repointEventSources(resources: Record<string, CfnResource>, functionId: string, target: unknown): void {
  const refs = [{ 'Fn::GetAtt': [functionId, 'Arn'] }, { Ref: functionId }];
  const isFunction = (value: unknown) => refs.some((ref) => same(value, ref));
  for (const resource of Object.values(resources)) {
    const props = resource.Properties;
    if (props === undefined) continue;
    switch (resource.Type) {
      case 'AWS::ApiGatewayV2::Integration':
        if (isFunction(props.IntegrationUri)) props.IntegrationUri = target;
        break;
      case 'AWS::Lambda::Permission':
      case 'AWS::Lambda::EventSourceMapping':
        if (isFunction(props.FunctionName)) props.FunctionName = target;
        break;
      case 'AWS::Events::Rule':
        for (const rule of (props.Targets as { Arn?: unknown }[] | undefined) ?? []) {
          if (isFunction(rule.Arn)) rule.Arn = target;
        }
        break;
      default:
        break;
    }
  }
}

/** The slice of Serverless's plugin API this plugin uses. */
interface ServerlessLike {
  service: {
    custom?: { canary?: Partial<Omit<CanarySettings, 'functions'>> & { functions?: string[] } };
    provider: { compiledCloudFormationTemplate: CfnTemplate };
    getAllFunctions(): string[];
  };
  getProvider(name: 'aws'): { naming: { getLambdaLogicalId(name: string): string } };
}

// Serverless loads a plugin module's default export (here through Node's require of ES modules).
// eslint-disable-next-line no-restricted-syntax
export default class CanaryDeployments {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: ServerlessLike) {
    this.hooks = {
      // After serverless.yml's resources are merged, so the alarms and topic they name exist.
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const custom = serverless.service.custom?.canary;
        if (custom === undefined) return;
        const naming = serverless.getProvider('aws').naming;
        const names = custom.functions ?? serverless.service.getAllFunctions();
        addCanaryDeployment(serverless.service.provider.compiledCloudFormationTemplate, {
          alias: custom.alias ?? 'live',
          deploymentConfig: custom.deploymentConfig ?? 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
          functions: names.map((name) => ({ name, logicalId: naming.getLambdaLogicalId(name) })),
          alarms: custom.alarms ?? [],
          notificationTopic: custom.notificationTopic,
        });
      },
    };
  }
}
