/**
 * The HTTP plumbing through app.inject(): probes, service info, metrics, docs, the error envelope, request ids,
 * timing, security headers, CORS and body limits, on a real app over a real SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const OPENAI_KEY = 'sk-test-0123456789abcdefSECRET';
const SECRET_KEY = 'super-secret-signing-key-for-tests-0123456789';

describe('HTTP plumbing', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(
      { DEBUG: 'true', OPENAI_API_KEY: OPENAI_KEY, SECRET_KEY, API_BODY_LIMIT: '2048', CORS_ORIGINS: '["https://shop.example"]' },
      (app) => {
        app.withTypeProvider<ZodTypeProvider>().post(
          '/api/test/echo',
          { schema: { body: z.object({ name: z.string().min(2), count: z.number().int().positive() }) } },
          async (request) => ({ hello: request.body.name, count: request.body.count }),
        );
        app.get('/api/test/boom', async () => {
          throw new Error('database password is hunter2 at /srv/app/secret.ts:12');
        });
      },
    );
  });
  afterAll(async () => t.close());

  it('answers liveness and readiness with the database check', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });

    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    const body = ready.json();
    expect(body.status).toBe('ready');
    expect(body.checks.database).toMatchObject({ status: 'ok', required: true, dialect: 'sqlite' });
  });

  it('gives health details with version, uptime and periodic tasks', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.environment).toBe('test');
    expect(typeof body.uptimeSeconds).toBe('number');
    expect(body.checks.database.status).toBe('ok');
  });

  it('describes the service at GET / without any secret', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ name: 'Frontline', environment: 'test', sessionStore: { type: 'memory' }, database: { dialect: 'sqlite' } });
    expect(body.features.exportChat).toBe(true);
    expect(response.body).not.toContain(OPENAI_KEY);
    expect(response.body).not.toContain(SECRET_KEY);
  });

  it('exposes Prometheus metrics with the request histogram by route and status', async () => {
    await t.app.inject({ method: 'GET', url: '/health/live' });
    await t.app.inject({ method: 'GET', url: '/no/such/route/123' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(/frontline_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} \d+/);
    // Unknown URLs share one label value, so clients cannot create unbounded series.
    expect(response.body).toContain('route="unmatched",status_code="404"');
    expect(response.body).not.toContain('/no/such/route/123');
    expect(response.body).toContain('frontline_process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document generated from the route schemas, and the docs UI', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/health/ready']).toBeDefined();
    const echoBody = doc.paths['/api/test/echo'].post.requestBody.content['application/json'].schema;
    expect(echoBody.required).toEqual(['name', 'count']);
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('uses one error envelope for unknown routes, with the request id', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    const { error } = response.json();
    expect(error).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'No route for GET /api/nothing-here', requestId: response.headers['x-request-id'] });
  });

  it("uses the envelope for the router's own refusals: an over-long path parameter, a malformed %-escape", async () => {
    const long = await t.app.inject({ method: 'GET', url: `/api/sessions/${'a'.repeat(1100)}` });
    expect(long.statusCode).toBe(414);
    expect(long.json().error).toMatchObject({ code: 'URI_TOO_LONG', requestId: long.headers['x-request-id'] });
    const escaped = await t.app.inject({ method: 'GET', url: '/api/sessions/%E0%A4%A' });
    expect(escaped.statusCode).toBe(400);
    expect(escaped.json().error).toMatchObject({ code: 'BAD_REQUEST', requestId: escaped.headers['x-request-id'] });
  });

  it('turns schema violations into 400 VALIDATION_ERROR naming the field', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/test/echo', payload: { name: 'x', count: 2 } });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toContain('/name');
    expect(error.details[0].path).toBe('/name');

    const ok = await t.app.inject({ method: 'POST', url: '/api/test/echo', payload: { name: 'Ada', count: 2 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ hello: 'Ada', count: 2 });
  });

  it('rejects malformed JSON, wrong content types and oversized bodies with 4xx codes', async () => {
    const badJson = await t.app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "Ada",',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('INVALID_JSON');

    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/x-something' },
      payload: 'hello',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const tooLarge = await t.app.inject({ method: 'POST', url: '/api/test/echo', payload: { name: 'x'.repeat(4096), count: 1 } });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('never sends a stack trace or internal message to the client, but logs it', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/test/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json().error).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('secret.ts');
    expect(t.logs()).toContain('hunter2');
  });

  it('echoes a safe incoming X-Request-ID and replaces an unsafe one', async () => {
    const kept = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(fresh.headers['x-process-time'])).toBeGreaterThanOrEqual(0);
  });

  it('sets security headers and answers CORS only for configured origins', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");

    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/test/echo',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');

    const refused = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/test/echo',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('API docs switch', () => {
  it('hides /docs and /openapi.json in production unless API_DOCS_ENABLED=true', async () => {
    const off = await buildTestApp({ ENVIRONMENT: 'production' });
    try {
      expect((await off.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(404);
      expect((await off.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
    } finally {
      await off.close();
    }
    const on = await buildTestApp({ ENVIRONMENT: 'production', API_DOCS_ENABLED: 'true' });
    try {
      expect((await on.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    } finally {
      await on.close();
    }
  });
});
