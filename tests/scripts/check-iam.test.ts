import { describe, expect, it } from '@jest/globals';

import { compareWildcards, iamWildcards, parametersOutsideStage, unboundedRoles } from '../../scripts/check-iam.ts';
import { addPermissionsBoundary } from '../../scripts/serverless-boundary.ts';
import type { CfnTemplate } from '../../scripts/serverless-canary.ts';

const template = {
  Resources: {
    Worker: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyName: 'worker',
            PolicyDocument: {
              Statement: [
                { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } },
                { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bucket' },
                {
                  Effect: 'Allow',
                  Action: 'eks:DescribeCluster',
                  Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:eks:*:${AWS::AccountId}:cluster/*' },
                },
                { Effect: 'Deny', Action: '*', Resource: '*' },
              ],
            },
          },
        ],
      },
    },
    Extra: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'logs:PutLogEvents',
              Resource: { 'Fn::Join': ['', ['arn:aws:logs:', { Ref: 'AWS::Region' }, ':*']] },
            },
          ],
        },
      },
    },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  },
};

describe('the IAM wildcard check', () => {
  it('finds wildcards in actions and in resources, inside !Sub and !Join too, in roles and policies', () => {
    expect(iamWildcards(template)).toEqual([
      { role: 'Worker', action: 's3:*', resource: 'arn:aws:s3:::bucket' },
      {
        role: 'Worker',
        action: 'eks:DescribeCluster',
        resource: 'arn:${AWS::Partition}:eks:*:${AWS::AccountId}:cluster/*',
      },
      { role: 'Extra', action: 'logs:PutLogEvents', resource: 'arn:aws:logs:${AWS::Region}:*' },
    ]);
  });

  it('reports a wildcard no entry documents, and an entry the template no longer has', () => {
    const found = iamWildcards(template);
    const documented = [
      { ...found[1]!, reason: 'registry' },
      { role: 'Gone', action: 'sqs:*', resource: '*', reason: 'old' },
    ];

    expect(compareWildcards(found, documented)).toEqual({
      undocumented: [found[0], found[2]],
      stale: [documented[1]],
    });
  });
});

describe('the permissions boundary', () => {
  it('goes on every role of the template, and the check finds a role without one', () => {
    const copy = structuredClone(template) as unknown as CfnTemplate;
    copy.Resources.Other = { Type: 'AWS::IAM::Role', Properties: {} };

    expect(unboundedRoles(copy)).toEqual(['Worker', 'Other']);
    expect(addPermissionsBoundary(copy, 'kubemend-dev-boundary')).toBe(2);
    expect(unboundedRoles(copy)).toEqual([]);
    expect(copy.Resources.Worker!.Properties!.PermissionsBoundary).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/kubemend-dev-boundary',
    });
  });
});

describe("the stage's SSM parameters", () => {
  const reader = (boundary: boolean, ...names: string[]) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      ...(boundary ? { PermissionsBoundary: 'arn:aws:iam::123456789012:policy/kubemend-prod-boundary' } : {}),
      Policies: [
        {
          PolicyName: 'reader',
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'ssm:GetParameter',
                Resource: names.map((name) => ({
                  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`,
                })),
              },
            ],
          },
        },
      ],
    },
  });

  it('finds a parameter a bounded role reads outside /kubemend/<stage>/; the empty name (unset) names none', () => {
    const template = {
      Resources: {
        Detector: reader(
          true,
          '/kubemend/prod/agent-config',
          '',
          '/shared/slack-webhook',
          '/kubemend/dev/agent-config',
        ),
        Local: reader(false, '/shared/slack-webhook'),
      },
    };

    expect(parametersOutsideStage(template, 'prod')).toEqual([
      { role: 'Detector', parameter: '/shared/slack-webhook' },
      { role: 'Detector', parameter: '/kubemend/dev/agent-config' },
    ]);
  });
});
