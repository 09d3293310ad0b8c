import { createAwsJsonClient, type AwsJsonClient } from './json-protocol.ts';

export function ssmClient(env: NodeJS.ProcessEnv = process.env): AwsJsonClient {
  return createAwsJsonClient({ service: 'ssm', jsonVersion: '1.1', env });
}

/** A parameter's value (SecureStrings decrypted); undefined when it has none. Errors as the service names them (`ParameterNotFound`). */
export async function getParameter(client: AwsJsonClient, name: string): Promise<string | undefined> {
  const answer = await client.call<{ Parameter?: { Value?: string } }>('AmazonSSM.GetParameter', {
    Name: name,
    WithDecryption: true,
  });
  return answer.Parameter?.Value;
}
