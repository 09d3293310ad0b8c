import { describe, expect, it } from '@jest/globals';

import CanaryDeployments, { addCanaryDeployment, type CfnTemplate } from '../../scripts/serverless-canary.ts';

/** The shape Serverless compiles for one HTTP function and one SQS function (trimmed). */
function compiled(): CfnTemplate {
  return {
    Resources: {
      ReceiverLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
      ReceiverLambdaVersionAbc123: {
        Type: 'AWS::Lambda::Version',
        DeletionPolicy: 'Retain',
        Properties: { FunctionName: { Ref: 'ReceiverLambdaFunction' }, CodeSha256: 'x' },
      },
      DetectorLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
      DetectorLambdaVersionDef456: {
        Type: 'AWS::Lambda::Version',
        Properties: { FunctionName: { Ref: 'DetectorLambdaFunction' } },
      },
      HttpApiIntegrationReceiver: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: { IntegrationUri: { 'Fn::GetAtt': ['ReceiverLambdaFunction', 'Arn'] } },
      },
      ReceiverLambdaPermissionHttpApi: {
        Type: 'AWS::Lambda::Permission',
        Properties: { FunctionName: { 'Fn::GetAtt': ['ReceiverLambdaFunction', 'Arn'] } },
      },
      DetectorEventSourceMappingSQSAlertQueue: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { 'Fn::GetAtt': ['DetectorLambdaFunction', 'Arn'] } },
      },
      DetectorEventsRuleSchedule1: {
        Type: 'AWS::Events::Rule',
        Properties: { Targets: [{ Arn: { 'Fn::GetAtt': ['DetectorLambdaFunction', 'Arn'] }, Id: 'schedule' }] },
      },
      AlertDeadLetterAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
      NotificationTopic: { Type: 'AWS::SNS::Topic', Properties: {} },
    },
  };
}

const settings = {
  alias: 'live',
  deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  functions: [
    { name: 'receiver', logicalId: 'ReceiverLambdaFunction' },
    { name: 'detector', logicalId: 'DetectorLambdaFunction' },
  ],
  alarms: ['AlertDeadLetterAlarm'],
  notificationTopic: 'NotificationTopic',
};

describe('canary deployments (scripts/serverless-canary.ts)', () => {
  it("puts an alias on each function's packaged version, moved by CodeDeploy", () => {
    const template = compiled();
    addCanaryDeployment(template, settings);

    expect(template.Resources.ReceiverAliasLive).toEqual({
      Type: 'AWS::Lambda::Alias',
      Properties: expect.objectContaining({
        FunctionName: { Ref: 'ReceiverLambdaFunction' },
        FunctionVersion: { 'Fn::GetAtt': ['ReceiverLambdaVersionAbc123', 'Version'] },
        Name: 'live',
      }) as unknown,
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: 'CodeDeployApplication' },
          DeploymentGroupName: { Ref: 'ReceiverDeploymentGroup' },
        },
      },
    });
    expect(template.Resources.CodeDeployApplication?.Properties).toEqual({ ComputePlatform: 'Lambda' });
  });

  it('gates each deployment group on its own errors alarm and the shared DLQ alarms, rolling back', () => {
    const template = compiled();
    addCanaryDeployment(template, settings);

    const group = template.Resources.DetectorDeploymentGroup!.Properties!;
    expect(group.DeploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes');
    expect(group.AlarmConfiguration).toEqual({
      Enabled: true,
      Alarms: [{ Name: { Ref: 'DetectorCanaryErrorsAlarm' } }, { Name: { Ref: 'AlertDeadLetterAlarm' } }],
    });
    expect(group.AutoRollbackConfiguration).toEqual({
      Enabled: true,
      Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
    const alarm = template.Resources.DetectorCanaryErrorsAlarm!.Properties!;
    expect(alarm.MetricName).toBe('Errors');
    expect(alarm.Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: 'DetectorLambdaFunction' } },
      { Name: 'Resource', Value: { 'Fn::Sub': '${DetectorLambdaFunction}:live' } },
    ]);
    expect(alarm.AlarmActions).toEqual([{ Ref: 'NotificationTopic' }]);
  });

  it('re-points every event source from the function to its alias', () => {
    const template = compiled();
    addCanaryDeployment(template, settings);
    const r = template.Resources;

    expect(r.HttpApiIntegrationReceiver!.Properties!.IntegrationUri).toEqual({ Ref: 'ReceiverAliasLive' });
    expect(r.ReceiverLambdaPermissionHttpApi!.Properties!.FunctionName).toEqual({ Ref: 'ReceiverAliasLive' });
    expect(r.DetectorEventSourceMappingSQSAlertQueue!.Properties!.FunctionName).toEqual({ Ref: 'DetectorAliasLive' });
    expect(r.DetectorEventsRuleSchedule1!.Properties!.Targets).toEqual([
      { Arn: { Ref: 'DetectorAliasLive' }, Id: 'schedule' },
    ]);
  });

  it("limits CodeDeploy's role to the functions' aliases and the gating alarms", () => {
    const template = compiled();
    addCanaryDeployment(template, settings);
    const role = template.Resources.CodeDeployServiceRole!.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown[] }[] } }[];
    };
    const statements = role.Policies[0]!.PolicyDocument.Statement;

    expect(JSON.stringify(statements)).not.toContain('"*"');
    expect(statements[0]!.Resource).toContainEqual({ 'Fn::Sub': '${ReceiverLambdaFunction.Arn}:live' });
    expect(statements[1]).toEqual({
      Effect: 'Allow',
      Action: 'cloudwatch:DescribeAlarms',
      Resource: [
        { 'Fn::GetAtt': ['AlertDeadLetterAlarm', 'Arn'] },
        { 'Fn::GetAtt': ['ReceiverCanaryErrorsAlarm', 'Arn'] },
        { 'Fn::GetAtt': ['DetectorCanaryErrorsAlarm', 'Arn'] },
      ],
    });
  });

  it('fails packaging on a missing function, version or alarm, or a bad alias', () => {
    expect(() => addCanaryDeployment(compiled(), { ...settings, alarms: ['PlanDeadLetterAlarm'] })).toThrow(
      'PlanDeadLetterAlarm is not an AWS::CloudWatch::Alarm',
    );
    expect(() =>
      addCanaryDeployment(compiled(), {
        ...settings,
        functions: [{ name: 'audit', logicalId: 'AuditLambdaFunction' }],
      }),
    ).toThrow('function audit (AuditLambdaFunction) is not in the template');
    const noVersion = compiled();
    delete noVersion.Resources.DetectorLambdaVersionDef456;
    expect(() => addCanaryDeployment(noVersion, settings)).toThrow('expected one AWS::Lambda::Version');
    expect(() => addCanaryDeployment(compiled(), { ...settings, alias: '42' })).toThrow('not a valid Lambda alias');
  });

  it('as a plugin, reads custom.canary and uses Serverless naming after resources are merged', () => {
    const template = compiled();
    const plugin = new CanaryDeployments({
      service: {
        custom: { canary: { alarms: ['AlertDeadLetterAlarm'], functions: ['receiver'] } },
        provider: { compiledCloudFormationTemplate: template },
        getAllFunctions: () => ['receiver', 'detector'],
      },
      getProvider: () => ({
        naming: { getLambdaLogicalId: (name) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction` },
      }),
    });
    plugin.hooks['after:aws:package:finalize:mergeCustomProviderResources']!();

    expect(template.Resources.ReceiverAliasLive).toBeDefined();
    expect(template.Resources.DetectorAliasLive).toBeUndefined();
    expect(template.Resources.ReceiverDeploymentGroup!.Properties!.DeploymentConfigName).toBe(
      'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    );
  });
});
