/**
 * One error handler for the whole API: every failure leaves as `{ error: { code, message, requestId } }`.
 * AppErrors carry their own code and status; Fastify's own client errors (bad JSON, body too large, wrong
 * content type, schema validation) are mapped to stable codes; anything else is a 500 with no details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isAppError, RouteNotFoundError } from '../../errors.js';

/** The envelope as the OpenAPI document shows it (and as responses are serialised: `details` must survive). */
export const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), details: z.unknown().optional() }) })
  .describe('The error envelope: a stable code, a message for people, the request id');
export type ErrorBody = z.infer<typeof errorBody>;

/** Response schemas for the failures a route can answer with, each in the envelope. */
export function errorResponses<const S extends readonly number[]>(...statuses: S): Record<S[number], typeof errorBody> {
  return Object.fromEntries(statuses.map((status) => [status, errorBody])) as Record<S[number], typeof errorBody>;
}

/** An empty 204 as the OpenAPI document shows it. */
export const noContent = z.undefined().describe('No content');

/** Fastify's built-in client error codes, mapped onto our catalogue. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_VALIDATION: 'VALIDATION_ERROR',
};

function send(reply: FastifyReply, request: FastifyRequest, status: number, code: string, message: string, details?: unknown) {
  const body: ErrorBody = { error: { code, message, requestId: request.id } };
  if (details !== undefined) body.error.details = details;
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

function describeValidation(error: FastifyError): { message: string; details: unknown } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      path: issue.instancePath || '/',
      message: issue.message,
    }));
    const where = error.validationContext ?? 'request';
    const first = issues[0];
    return { message: `Invalid ${where}: ${first ? `${first.path} ${first.message}` : 'does not match the schema'}`, details: issues };
  }
  return { message: error.message, details: error.validation };
}

/**
 * Errors Fastify's router raises before any route or hook runs (Fastify's `frameworkErrors` option): a URL that
 * does not decode, a path parameter longer than the router allows. Without this they leave in Fastify's own format.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('X-Request-ID', request.id); // no hook has run to set it
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return send(reply, request, 414, 'URI_TOO_LONG', 'A path parameter is longer than any valid id');
  if (error.code === 'FST_ERR_BAD_URL') return send(reply, request, 400, 'BAD_REQUEST', 'The URL is not valid (a malformed %-escape?)');
  request.log.error({ err: error }, 'router error');
  return send(reply, request, 500, 'INTERNAL_ERROR', 'Internal server error');
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (isAppError(error)) {
        if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
        for (const [name, value] of Object.entries(error.headers ?? {})) reply.header(name, value);
        return send(reply, request, error.statusCode, error.code, error.message, error.details);
      }
      if (error.validation) {
        const { message, details } = describeValidation(error);
        return send(reply, request, 400, 'VALIDATION_ERROR', message, details);
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const code = (error.code && FASTIFY_CODES[error.code]) ?? (status === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST');
        return send(reply, request, status, code, error.message);
      }
      // A bug or an unexpected failure: log everything, tell the client nothing internal.
      request.log.error({ err: error }, 'unhandled error');
      return send(reply, request, 500, 'INTERNAL_ERROR', 'Internal server error');
    });

    app.setNotFoundHandler((request, reply) => {
      const error = new RouteNotFoundError(`No route for ${request.method} ${request.url.split('?')[0]}`);
      return send(reply, request, error.statusCode, error.code, error.message);
    });
  },
  { name: 'frontline-errors' },
);
