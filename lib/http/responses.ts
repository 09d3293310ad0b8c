import { KubemendError, UnauthorizedError, ValidationError } from '../errors.ts';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Largest webhook body taken: Alertmanager groups of 500 alerts stay well under 2 MiB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const JSON_HEADERS = { 'content-type': 'application/json' };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** A request body over the size limit. */
export class PayloadTooLargeError extends KubemendError {
  constructor(limit: number) {
    super('payload_too_large', `request body exceeds ${limit} bytes`);
  }
}

/**
 * Maps an error to what a client may see. Input errors become a 4xx that says what was wrong;
 * anything else is a 500 with no detail (Alertmanager retries 5xx), never a stack trace.
 */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof ValidationError) {
    return jsonResponse(400, { error: error.code, message: error.message, issues: error.issues });
  }
  if (error instanceof UnauthorizedError) {
    return jsonResponse(
      401,
      { error: error.code, message: error.message },
      { 'www-authenticate': 'Bearer realm="kubemend"' },
    );
  }
  if (error instanceof PayloadTooLargeError) return jsonResponse(413, { error: error.code, message: error.message });
  return jsonResponse(500, { error: 'internal_error', message: 'internal error; the details are in kubemend logs' });
}
