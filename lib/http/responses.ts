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

/**
 * Maps an error to what a client may see: an error that carries a 4xx status (bad input, a
 * missing credential, a body too large) says what was wrong; anything else is a 500 with no
 * detail (Alertmanager retries 5xx), never a stack trace.
 */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof KubemendError && error.status !== undefined && error.status < 500) {
    const issues = error instanceof ValidationError ? { issues: error.issues } : {};
    const challenge: Record<string, string> =
      error instanceof UnauthorizedError ? { 'www-authenticate': 'Bearer realm="kubemend"' } : {};
    return jsonResponse(error.status, { error: error.code, message: error.message, ...issues }, challenge);
  }
  return jsonResponse(500, { error: 'internal_error', message: 'internal error; the details are in kubemend logs' });
}
