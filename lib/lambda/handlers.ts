import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type * as z from 'zod';

import { formatIssue } from '../alert/read.ts';
import { describeError, isTransient, KubemendError, MessageError } from '../errors.ts';
import { errorResponse, type HttpResponse } from '../http/responses.ts';
import type { Logger } from '../logger.ts';

/**
 * An HTTP API (payload v2) Lambda: `run` gets the decoded body and lower-cased headers; any error
 * becomes the response `errorResponse` gives (4xx for bad input, a bare 500 otherwise).
 */
export function makeHttpHandler(options: {
  logger: Logger;
  run: (request: {
    method: string;
    path: string;
    body: string;
    headers: Record<string, string | undefined>;
  }) => Promise<HttpResponse>;
}) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use({
      onError: async (request) => {
        const error: unknown = request.error;
        const log = options.logger;
        if (error instanceof KubemendError && error.code !== 'config_error') {
          log.warn({ error: describeError(error) }, 'request refused');
        } else {
          log.error({ err: error }, 'request failed');
        }
        request.response = errorResponse(error);
      },
    })
    .handler(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
      const body =
        event.body === undefined
          ? ''
          : event.isBase64Encoded
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body;
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(event.headers ?? {}))
        headers[name.toLowerCase()] = typeof value === 'string' ? value : undefined;
      return options.run({ method: event.requestContext.http.method, path: event.rawPath, body, headers });
    });
}

/**
 * An SQS Lambda with partial batch responses: each record is validated with `schema` and handled
 * on its own; a record that throws is reported failed and retried by SQS (then dead-lettered),
 * while the rest of the batch completes.
 */
export function makeSqsHandler<Schema extends z.ZodType>(options: {
  schema: Schema;
  logger: Logger;
  run: (message: z.infer<Schema>) => Promise<unknown>;
}) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const settled = await Promise.allSettled(
      event.Records.map(async (record) => {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          throw new MessageError('the message body is not JSON');
        }
        const parsed = options.schema.safeParse(body);
        if (!parsed.success) {
          throw new MessageError(parsed.error.issues.map(formatIssue).join('; '));
        }
        await options.run(parsed.data);
      }),
    );
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    settled.forEach((result, index) => {
      const record = event.Records[index];
      if (result.status === 'rejected' && record !== undefined) {
        const error: unknown = result.reason;
        // An expected or passing failure is told in one line; anything else keeps its stack.
        if (error instanceof KubemendError || isTransient(error)) {
          options.logger.warn({ messageId: record.messageId, error: describeError(error) }, 'message will be retried');
        } else {
          options.logger.error({ messageId: record.messageId, err: error }, 'message failed; it will be retried');
        }
        failures.push({ itemIdentifier: record.messageId });
      }
    });
    return { batchItemFailures: failures };
  });
}
