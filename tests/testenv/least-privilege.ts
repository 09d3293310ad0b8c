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
export function requestAction(request: RecordedRequest): { accessKeyId: string; action: string } | undefined {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const credential = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '');
  if (credential === null) return undefined;
  const [, accessKeyId, service] = credential as unknown as [string, string, string];
  const target = headers['x-amz-target'];
  const body = request.body_encoded === true ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
  let operation: string | undefined;
  if (target !== undefined) operation = target.slice(target.lastIndexOf('.') + 1);
  else if (/(^|&)Action=/.test(body ?? '')) operation = new URLSearchParams(body).get('Action') ?? undefined;
  else {
    const path = new URL(request.url).pathname;
    if (service === 'eks' && request.method === 'GET' && /^\/clusters\/[^/]+$/.test(path))
      operation = 'DescribeCluster';
    else return { accessKeyId, action: `${service}:${request.method} ${path}` };
  }
  const action = `${service}:${operation}`;
  return { accessKeyId, action: BATCH_ACTIONS[action] ?? action };
}

/** The actions the inline policies of a role in the packaged template allow. */
export function grantedActions(stack: DeployedStack, role: string): Set<string> {
  const properties = stack.template.Resources[role]!.Properties as {
    Policies?: { PolicyDocument: { Statement: { Effect: string; Action: string | string[] }[] } }[];
  };
  return new Set(
    (properties.Policies ?? [])
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => [statement.Action].flat()),
  );
}

/**
 * The comments inside a resource of serverless.yml's `resources` (`    Name:` up to the next
 * resource): where a role says why it keeps an action no test used.
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
  /** Used, but not granted: the emulator refused these (a test failed with AccessDenied). */
  ungranted: string[];
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
}): PrivilegeReport[] {
  const byKey = new Map<string, Set<string>>();
  for (const request of options.recording) {
    const found = requestAction(request);
    if (found === undefined) continue;
    const actions = byKey.get(found.accessKeyId) ?? new Set<string>();
    actions.add(found.action);
    byKey.set(found.accessKeyId, actions);
  }
  return Object.entries(options.keys).map(([logical, keys]) => {
    const used = new Set(keys.flatMap((key) => [...(byKey.get(key) ?? [])]));
    const granted = grantedActions(options.stack, `${logical}Role`);
    const comments = resourceComments(options.serverlessYml, `${logical}Role`);
    const justified: Record<string, string> = {};
    const unjustified: string[] = [];
    for (const action of [...granted].sort()) {
      if (used.has(action)) continue;
      const why = comments.find((comment) => comment.includes(action));
      if (why === undefined) unjustified.push(action);
      else justified[action] = why;
    }
    return {
      function: logical,
      used: [...used].sort(),
      ungranted: [...used].filter((action) => !granted.has(action)).sort(),
      justified,
      unjustified,
    };
  });
}
