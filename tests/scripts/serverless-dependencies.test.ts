import { describe, expect, it } from '@jest/globals';

import type { CfnTemplate } from '../../scripts/serverless-canary.ts';
import { dropImpliedDependencies, referencedIds } from '../../scripts/serverless-dependencies.ts';

describe('implied DependsOn entries', () => {
  it('finds the logical IDs a value refers to through Ref, GetAtt in both forms and Sub (not pseudo parameters)', () => {
    expect(
      [
        ...referencedIds({
          Role: { 'Fn::GetAtt': ['ReceiverRole', 'Arn'] },
          Log: { 'Fn::GetAtt': 'LogGroup.Arn' },
          Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'Integration' }]] },
          Name: { 'Fn::Sub': '${AWS::StackName}-${Queue.Arn}-${Topic}' },
        }),
      ].sort(),
    ).toEqual(['Integration', 'LogGroup', 'Queue', 'ReceiverRole', 'Topic']);
  });

  it('drops only what the resource already refers to, and the DependsOn left empty', () => {
    const template: CfnTemplate = {
      Resources: {
        Function: {
          Type: 'AWS::Lambda::Function',
          DependsOn: ['FunctionLogGroup', 'FunctionRole'],
          Properties: { Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] } },
        },
        Route: {
          Type: 'AWS::ApiGatewayV2::Route',
          DependsOn: 'Integration',
          Properties: { Target: { Ref: 'Integration' } },
        },
      },
    };

    expect(dropImpliedDependencies(template)).toBe(2);
    expect(template.Resources.Function!.DependsOn).toEqual(['FunctionLogGroup']);
    expect(template.Resources.Route!.DependsOn).toBeUndefined();
  });
});
