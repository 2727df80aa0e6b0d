import { isDatabaseUnavailable } from '@packhouse/db';
import { DomainError } from '@packhouse/registry';
import type { FastifyError, FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';

/** One envelope for every error; 5xx messages are logged, never sent. */
export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
      if (error instanceof DomainError) {
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
      }
      if (error.validation?.length) {
        const message = validationMessages(error.validation, error.validationContext ?? 'request').join('; ');
        return reply.code(400).send({ error: { code: 'bad_request', message } });
      }
      if (isDatabaseUnavailable(error)) {
        // Nothing was recorded (or the transaction was rolled back): the client may retry.
        request.log.warn({ err: error }, 'Postgres is unavailable; answered 503.');
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({
            error: { code: 'database_unavailable', message: 'The database is unavailable; try again shortly.' },
          });
      }
      const status = error.statusCode ?? 500;
      if (status < 500) {
        return reply
          .code(status)
          .send({ error: { code: clientCode(error.code, status), message: clientMessage(error, request) } });
      }
      request.log.error({ err: error }, 'Request failed.');
      return reply.code(status).send({ error: { code: 'internal', message: 'Internal server error.' } });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url}.` } }),
    );
  },
  { name: 'errors' },
);

type AjvError = FastifySchemaValidationError;

/**
 * One sentence per broken rule, naming the field: ajv reports a union of literals as one
 * error per literal plus one for `anyOf`, and an unknown field without its name.
 */
function validationMessages(errors: AjvError[], context: string): string[] {
  const folded = new Set<AjvError>();
  const unions = new Map<AjvError, string>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue;
    const branches = errors.filter((other) => other.schemaPath.startsWith(`${error.schemaPath}/`));
    const expected = expectedOfUnion(error.schemaPath, branches);
    if (!expected) continue;
    unions.set(error, `${context}${error.instancePath} must be ${expected}`);
    for (const branch of branches) folded.add(branch);
  }
  const messages = errors
    .filter((error) => !folded.has(error))
    .map((error) => unions.get(error) ?? sentence(error, context));
  return [...new Set(messages)];
}

/** `one of: a, b` for a union of literals, `string or null` for a union of types; null for anything richer. */
function expectedOfUnion(unionPath: string, branchErrors: AjvError[]): string | null {
  const branches = new Map<string, AjvError[]>();
  for (const error of branchErrors) {
    const index = error.schemaPath.slice(unionPath.length + 1).split('/')[0]!;
    branches.set(index, [...(branches.get(index) ?? []), error]);
  }
  const all = [...branches.values()];
  if (all.length === 0) return null;
  // A literal's `const` sits right in its branch, `<union>/<index>/const`; its type check beside it is folded too.
  const literals = [...branches].map(([index, errors]) =>
    errors.find((error) => error.schemaPath === `${unionPath}/${index}/const`),
  );
  if (literals.every(Boolean)) return `one of: ${literals.map((error) => show(error!.params.allowedValue)).join(', ')}`;
  const types = all.map((errors) =>
    errors.length === 1 && errors[0]!.keyword === 'type' ? String(errors[0]!.params.type) : null,
  );
  if (types.every(Boolean)) return types.join(' or ');
  return null;
}

function sentence(error: AjvError, context: string): string {
  const where = `${context}${error.instancePath}`;
  if (error.keyword === 'additionalProperties')
    return `${where}: unknown field "${String(error.params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${where}: missing required field "${String(error.params.missingProperty)}"`;
  return `${where} ${error.message ?? `breaks the rule "${error.keyword}"`}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Stable snake_case codes for fastify's own 4xx errors (FST_ERR_*), by status. */
const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'invalid',
  429: 'too_many_requests',
  431: 'headers_too_large',
};

function clientCode(code: string | undefined, status: number): string {
  if (code && /^[a-z][a-z0-9_]*$/.test(code)) return code;
  return CODES[status] ?? 'bad_request';
}

function clientMessage(error: FastifyError, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The request body is not valid JSON.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty, but its content-type says JSON.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The request body does not match its Content-Length.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'];
      if (!type) return 'A request body needs a content-type; send application/json.';
      return `The content-type "${type}" is not supported here; send application/json.`;
    }
    default:
      return error.message;
  }
}
