// A Serverless Framework plugin: every IAM role of the stack gets the stage's permissions
// boundary (custom.permissionsBoundary, a managed policy's name; empty for none), including the
// roles other plugins add (the canary's CodeDeploy role). The boundary is created by
// infra/aws/boundary.yaml, outside this stack and before it, and the pipeline's CloudFormation execution role
// may create and change kubemend roles only with it attached: a policy written into a role can
// never grant more than the boundary allows.
import type { CfnTemplate } from './serverless-canary.ts';

/** Sets `PermissionsBoundary` on every `AWS::IAM::Role` of the template to the named managed policy. */
export function addPermissionsBoundary(template: CfnTemplate, policyName: string): number {
  let bounded = 0;
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    resource.Properties = {
      ...resource.Properties,
      PermissionsBoundary: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${policyName}` },
    };
    bounded += 1;
  }
  return bounded;
}

interface ServerlessLike {
  service: {
    custom?: { permissionsBoundary?: string };
    provider: { compiledCloudFormationTemplate: CfnTemplate };
  };
}

// Serverless loads a plugin module's default export (here through Node's require of ES modules).
// eslint-disable-next-line no-restricted-syntax
export default class PermissionsBoundary {
  readonly hooks: Record<string, () => void>;

  constructor(serverless: ServerlessLike) {
    this.hooks = {
      // Listed after the canary plugin in serverless.yml, so its CodeDeploy role exists by now.
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const name = serverless.service.custom?.permissionsBoundary ?? '';
        if (name !== '') addPermissionsBoundary(serverless.service.provider.compiledCloudFormationTemplate, name);
      },
    };
  }
}
