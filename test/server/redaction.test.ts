/** Secrets set in the environment never reach the logs, wherever they would appear. */
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';

describe('log redaction', () => {
  it('keeps every configured secret out of captured logs', async () => {
    const secrets = {
      SECRET_KEY: 'signing-key-that-must-never-be-logged-0123456789',
      OPENAI_API_KEY: 'sk-live-this-must-not-leak-42',
      ADMIN_API_KEY: 'admin-key-must-not-leak-77',
      SMTP_PASSWORD: 'smtp-password-must-not-leak',
    };
    const t = await buildTestApp(secrets, (app) => {
      app.get('/api/test/log', async (request) => {
        // The ways a secret slips into logs: a whole settings object, a header, an error message.
        request.log.info({ settings: app.services.settings }, 'settings dump');
        request.log.info({ headers: request.headers, password: secrets.SMTP_PASSWORD }, 'request headers');
        request.log.error({ err: new Error(`upstream refused key ${secrets.OPENAI_API_KEY}`) }, 'upstream failed');
        return { ok: true };
      });
    });
    try {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/test/log',
        headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
      });
      expect(response.statusCode).toBe(200);
      const logs = t.logs();
      expect(logs).toContain('settings dump');
      expect(logs).toContain('upstream failed');
      expect(logs).toContain('[REDACTED]');
      for (const [name, value] of Object.entries(secrets)) {
        expect(logs, `${name} leaked into logs`).not.toContain(value);
      }
    } finally {
      await t.close();
    }
  });
});
