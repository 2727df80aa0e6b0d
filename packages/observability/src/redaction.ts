/**
 * Paths pino replaces with `[redacted]` wherever they are logged: credentials in request
 * headers (bearer tokens, GitLab's webhook token, GitHub's signature) and any field that
 * holds a token or secret, at the top of a log line or one level down.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gitlab-token"]',
  'req.headers["x-hub-signature-256"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-gitlab-token"]',
  'headers["x-hub-signature-256"]',
  ...[
    'token',
    'adminToken',
    'webhookSecret',
    'secret',
    'password',
    'siteKeySecret',
    'secretAccessKey',
    'authorization',
  ].flatMap((field) => [field, `*.${field}`]),
  'config.s3.secretAccessKey',
  'config.updateStatus.siteKeySecret',
];

export const REDACTION = { paths: REDACTED_PATHS, censor: '[redacted]' };
