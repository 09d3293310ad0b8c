import type { RecordedRequest } from '../helpers/moto.ts';
import type { DeployedStack } from './deployed.ts';

/**
 * What the emulator's request recorder says each function did, in IAM's words, next to what its
 * role grants: the evidence for least privilege (every action granted was used, or a comment in
 * serverless.yml says why not).
 */

/** IAM authorises a batch call by its single-message action. */
const BATCH_ACTIONS: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
};

/**
 * The access key that signed a recorded request and the IAM action it performs: the operation of
 * a JSON-protocol call (`X-Amz-Target`), of a query-protocol call (`Action=` in the form body),
 * or of the REST calls the functions make (EKS DescribeCluster); any other request is named
 * `<service>:<METHOD> <path>`, which no role grants. Undefined for an unsigned request.
 */
export function requestAction(
  request: RecordedRequest,
): { accessKeyId: string; action: string; params: Record<string, unknown> } | undefined {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const credential = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '');
  if (credential === null) return undefined;
  const [, accessKeyId, service] = credential as unknown as [string, string, string];
  const target = headers['x-amz-target'];
  const body = request.body_encoded === true ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
  let operation: string | undefined;
  let params: Record<string, unknown> = {};
  if (target !== undefined) {
    operation = target.slice(target.lastIndexOf('.') + 1);
    params = body === '' || body === undefined ? {} : (JSON.parse(body) as Record<string, unknown>);
  } else if (/(^|&)Action=/.test(body ?? '')) {
    params = Object.fromEntries(new URLSearchParams(body));
    operation = params.Action as string;
  } else {
    const path = new URL(request.url).pathname;
    const cluster = /^\/clusters\/([^/]+)$/.exec(path);
    if (service === 'eks' && request.method === 'GET' && cluster !== null) {
      operation = 'DescribeCluster';
      params = { name: decodeURIComponent(cluster[1]!) };
    } else return { accessKeyId, action: `${service}:${request.method} ${path}`, params };
  }
  const action = `${service}:${operation}`;
  return { accessKeyId, action: BATCH_ACTIONS[action] ?? action, params };
}

/** Where the ARNs of the stack's account live: the emulator's account and the stack's region. */
interface Place {
  region: string;
  account: string;
}

/**
 * The ARN of the resource a request acts on, as IAM authorises it, from its parameters: the
 * queue, table (or its index), parameter (or path), topic, role or cluster; undefined for an
 * action without one here.
 */
export function requestResource(action: string, params: Record<string, unknown>, place: Place): string | undefined {
  const { region, account } = place;
  const text = (key: string) => (typeof params[key] === 'string' ? params[key] : undefined);
  const [service] = action.split(':');
  switch (service) {
    case 'sqs': {
      const url = text('QueueUrl');
      return url === undefined ? undefined : `arn:aws:sqs:${region}:${account}:${url.slice(url.lastIndexOf('/') + 1)}`;
    }
    case 'dynamodb': {
      const table = text('TableName');
      const index = text('IndexName');
      if (table === undefined) return undefined;
      return `arn:aws:dynamodb:${region}:${account}:table/${table}${index === undefined ? '' : `/index/${index}`}`;
    }
    case 'ssm': {
      const name = text('Name') ?? text('Path');
      return name === undefined ? undefined : `arn:aws:ssm:${region}:${account}:parameter${name}`;
    }
    case 'sns':
      return text('TopicArn');
    case 'sts':
      return text('RoleArn');
    case 'eks':
      return text('name') === undefined ? undefined : `arn:aws:eks:${region}:${account}:cluster/${text('name')}`;
    default:
      return undefined;
  }
}

/** A Resource element of the packaged template with its Refs, GetAtts and Subs made ARNs of the deployed stack. */
export function resolveResource(value: unknown, stack: DeployedStack, place: Place): string | undefined {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': place.region,
    'AWS::AccountId': place.account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const arnOf = (logical: string): string => {
    const type = stack.template.Resources[logical]?.Type;
    const physical = stack.physicalId(logical);
    if (type === 'AWS::SQS::Queue') {
      return `arn:aws:sqs:${place.region}:${place.account}:${physical.slice(physical.lastIndexOf('/') + 1)}`;
    }
    if (type === 'AWS::DynamoDB::Table') return `arn:aws:dynamodb:${place.region}:${place.account}:table/${physical}`;
    return physical;
  };
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return pseudo[node.Ref] ?? stack.physicalId(node.Ref);
  if (Array.isArray(node['Fn::GetAtt'])) {
    const [logical, attribute] = node['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn' ? arnOf(logical) : undefined;
  }
  if ('Fn::Sub' in node) {
    const sub = node['Fn::Sub'];
    const template = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : '';
    return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (pseudo[name] !== undefined) return pseudo[name];
      return name.endsWith('.Arn') ? arnOf(name.slice(0, -'.Arn'.length)) : stack.physicalId(name);
    });
  }
  return undefined;
}

/** IAM's matching of a Resource or Action pattern: `*` any run of characters, `?` any one. */
export function iamMatches(pattern: string, value: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(value);
}

/**
 * The Allow statements of a role's inline policies in the packaged template, as written (the
 * emulator keeps a CloudFormation role's policies in Python's notation, not as JSON).
 */
export function allowStatements(stack: DeployedStack, role: string): { actions: string[]; resource: unknown }[] {
  const properties = stack.template.Resources[role]!.Properties as {
    Policies?: { PolicyDocument: { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] } }[];
  };
  return (properties.Policies ?? [])
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .filter((statement) => statement.Effect === 'Allow')
    .map((statement) => ({ actions: [statement.Action].flat(), resource: statement.Resource }));
}

/** A role's Allow statements, their resources resolved against the deployed stack. */
export function grantedStatements(
  stack: DeployedStack,
  role: string,
  place: Place,
): { actions: string[]; resources: string[] }[] {
  return allowStatements(stack, role).map((statement) => ({
    actions: statement.actions,
    resources: [statement.resource].flat().flatMap((resource) => {
      const resolved = resolveResource(resource, stack, place);
      return resolved === undefined ? [] : [resolved];
    }),
  }));
}

/**
 * The comments inside a resource of serverless.yml's `resources` (`    Name:` up to the next
 * resource): where a role says why it keeps an action no test used, in a comment that begins
 * `<action>:`.
 */
export function resourceComments(serverlessYml: string, resource: string): string[] {
  const lines = serverlessYml.split('\n');
  const start = lines.findIndex((line) => line === `    ${resource}:`);
  if (start === -1) throw new Error(`serverless.yml: no resource ${resource}`);
  const comments: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^ {4}[A-Za-z0-9]+:\s*$/.test(line) || /^\S/.test(line)) break;
    const at = line.indexOf('#');
    if (at !== -1) comments.push(line.slice(at + 1).trim());
  }
  return comments;
}

export interface PrivilegeReport {
  function: string;
  used: string[];
  /** Each distinct `action on resource` it requested. */
  requests: string[];
  /** Used, but not granted: the emulator refused these (a test failed with AccessDenied). */
  ungranted: string[];
  /**
   * `action on resource` of requests no statement allows for that resource (the emulator checks
   * actions only: this is where a statement naming the wrong queue or table is caught), or
   * `action on ?` when the resource cannot be told from the request.
   */
  outOfScope: string[];
  /** Granted, not used, and a comment in the role says why (the comment). */
  justified: Record<string, string>;
  /** Granted, not used, and nothing says why. */
  unjustified: string[];
}

/** One report per function: `keys` maps each function to the access keys its environments signed with. */
export function privilegeReport(options: {
  stack: DeployedStack;
  serverlessYml: string;
  recording: RecordedRequest[];
  keys: Record<string, string[]>;
  /** The emulator's account. */
  account: string;
}): PrivilegeReport[] {
  const place = { region: options.stack.region, account: options.account };
  const byKey = new Map<string, Set<string>>();
  const resourcesByKey = new Map<string, Set<string>>();
  for (const request of options.recording) {
    const found = requestAction(request);
    if (found === undefined) continue;
    const actions = byKey.get(found.accessKeyId) ?? new Set<string>();
    actions.add(found.action);
    byKey.set(found.accessKeyId, actions);
    const resources = resourcesByKey.get(found.accessKeyId) ?? new Set<string>();
    resources.add(`${found.action} on ${requestResource(found.action, found.params, place) ?? '?'}`);
    resourcesByKey.set(found.accessKeyId, resources);
  }
  return Object.entries(options.keys).map(([logical, keys]) => {
    const used = new Set(keys.flatMap((key) => [...(byKey.get(key) ?? [])]));
    const statements = grantedStatements(options.stack, `${logical}Role`, place);
    const granted = new Set(statements.flatMap((statement) => statement.actions));
    const requested = new Set(keys.flatMap((key) => [...(resourcesByKey.get(key) ?? [])]));
    const outOfScope = [...requested]
      .filter((entry) => {
        const [action, resource] = entry.split(' on ') as [string, string];
        return !statements.some(
          (statement) =>
            statement.actions.some((pattern) => iamMatches(pattern, action)) &&
            statement.resources.some((pattern) => resource !== '?' && iamMatches(pattern, resource)),
        );
      })
      .sort();
    const comments = resourceComments(options.serverlessYml, `${logical}Role`);
    const justified: Record<string, string> = {};
    const unjustified: string[] = [];
    for (const action of [...granted].sort()) {
      if (used.has(action)) continue;
      const why = comments.find((comment) => comment.startsWith(`${action}:`));
      if (why === undefined) unjustified.push(action);
      else justified[action] = why;
    }
    return {
      function: logical,
      used: [...used].sort(),
      requests: [...requested].sort(),
      ungranted: [...used].filter((action) => !granted.has(action)).sort(),
      outOfScope,
      justified,
      unjustified,
    };
  });
}
