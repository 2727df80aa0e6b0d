import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTION } from '../src/index.ts';

/** A real pino logger with the processes' redaction, writing its lines to an array. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ name: 'test', level: 'info', redact: REDACTION }, stream), lines };
}

describe('log redaction', () => {
  it('never writes credentials from request headers or token fields', () => {
    const { log, lines } = capture();
    const secrets = [
      'Bearer ph_live_abcdef0123456789',
      'gitlab-webhook-token-123',
      'sha256=deadbeefdeadbeef',
      'ph_token_fedcba9876543210',
      'whsec_shown_once_only',
    ];
    const headers = {
      authorization: secrets[0],
      'x-gitlab-token': secrets[1],
      'x-hub-signature-256': secrets[2],
      'user-agent': 'GitLab/17',
    };
    log.info({ req: { method: 'POST', url: '/api/v1/hooks/gitlab', headers } }, 'Request received.');
    log.warn({ headers: { authorization: secrets[0] } }, 'Webhook refused.');
    log.info({ user: { name: 'alice', token: secrets[3] }, webhookSecret: secrets[4] }, 'User created.');
    const written = lines.join('');
    for (const secret of secrets) expect(written).not.toContain(secret);
    expect(written).toContain('[redacted]');
    // What is not a credential stays readable.
    expect(written).toContain('GitLab/17');
    expect(written).toContain('"name":"alice"');
  });
});
