/**
 * Tracing end to end: a real OTLP/HTTP collector on loopback receives what the exporter sends (JSON), and the
 * assertions read the spans from there, as a real collector would see them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../config/index.js';
import { createQueryTracer, requestContext, startTracing, TRACER_NAME, tracesUrl, tracingPlugin, type TracingHandle } from './tracing.js';

// OTLP enums as they appear in the JSON encoding.
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_CODE_ERROR = 2;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
}
interface ReceivedSpan extends OtlpSpan {
  resource: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

function flatten(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? value.boolValue)),
    ]),
  );
}

/** A minimal OTLP/HTTP collector: accepts POST /v1/traces (JSON) and keeps every span. */
async function startCollector() {
  const spans: ReceivedSpan[] = [];
  const requests: { path: string; contentType: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '' });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
      };
      for (const resourceSpans of body.resourceSpans ?? []) {
        const resource = flatten(resourceSpans.resource?.attributes);
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) spans.push({ ...span, resource, attrs: flatten(span.attributes) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    reset() {
      spans.length = 0;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Collector = Awaited<ReturnType<typeof startCollector>>;

/** Flushes until `predicate` holds over what the collector received (the response's onResponse may lag inject). */
async function waitForSpans(handle: TracingHandle, collector: Collector, predicate: (spans: ReceivedSpan[]) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    await handle.forceFlush();
    if (predicate(collector.spans)) return collector.spans;
    if (Date.now() > deadline) throw new Error(`spans never arrived; got ${JSON.stringify(collector.spans.map((s) => s.name))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface ItemsTable {
  id: number;
  name: string;
}

async function buildTestApp() {
  const db = new Kysely<{ items: ItemsTable }>({
    dialect: new SqliteDialect({ database: new Database(':memory:') }),
    log: createQueryTracer({ dialect: 'sqlite' }),
  });
  await db.schema.createTable('items').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').execute();
  await db.insertInto('items').values({ id: 7, name: 'seven' }).execute();

  const app = Fastify();
  await app.register(tracingPlugin);
  app.get<{ Params: { id: string } }>('/items/:id', async (request) =>
    db.selectFrom('items').select(['id', 'name']).where('id', '=', Number(request.params.id)).executeTakeFirst(),
  );
  app.post<{ Body: ItemsTable }>('/items', async (request, reply) => {
    await db.insertInto('items').values(request.body).execute();
    return reply.code(201).send({ ok: true });
  });
  app.get('/missing-table', async () => {
    await sql`select * from nowhere`.execute(db);
    return { unreachable: true };
  });
  app.get('/boom', async () => {
    throw new Error('kaput');
  });
  app.get(
    '/hooked',
    {
      // requestContext() names the request's context explicitly, for code that may run outside its async chain.
      preHandler: async (request) => {
        trace.getTracer(TRACER_NAME).startSpan('preHandler work', {}, requestContext(request)).end();
      },
    },
    async () => ({ ok: true }),
  );
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { ok: true };
  });
  await app.ready();
  return { app, db };
}

function traceparent(traceId: string, parentId: string) {
  return `00-${traceId}-${parentId}-01`;
}

describe('tracing', () => {
  let collector: Collector;
  let handle: TracingHandle | undefined;
  let app: FastifyInstance | undefined;
  let db: Kysely<{ items: ItemsTable }> | undefined;

  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector.close();
  });
  afterEach(async () => {
    await app?.close();
    await db?.destroy();
    await handle?.shutdown();
    // Leave no globals behind for the next test, whatever happened.
    trace.disable();
    propagation.disable();
    context.disable();
    app = db = handle = undefined;
    collector.reset();
  });

  function enabledSettings() {
    return loadSettings({
      ENVIRONMENT: 'test',
      ENABLE_TELEMETRY: 'true',
      OTLP_ENDPOINT: collector.url,
      OTLP_SERVICE_NAME: 'frontline-test',
      APP_VERSION: '9.9.9',
    });
  }

  it('exports a server span that continues the incoming traceparent, with the query span nested in it', async () => {
    handle = await startTracing(enabledSettings());
    expect(handle.enabled).toBe(true);
    ({ app, db } = await buildTestApp());
    await handle.forceFlush();
    collector.reset(); // the setup's CREATE and INSERT spans are not the subject here

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const response = await app.inject({ method: 'GET', url: '/items/7?token=abc', headers: { traceparent: traceparent(traceId, callerSpanId) } });
    expect(response.json()).toEqual({ id: 7, name: 'seven' });

    const spans = await waitForSpans(handle, collector, (all) => all.some((s) => s.kind === SPAN_KIND_SERVER));
    expect(collector.requests[0]).toEqual({ path: '/v1/traces', contentType: 'application/json' });

    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(server.name).toBe('GET /items/:id');
    expect(server.traceId).toBe(traceId);
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.attrs).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/items/7',
      'url.scheme': 'http',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
    });
    expect(server.status?.code ?? 0).not.toBe(STATUS_CODE_ERROR);
    expect(server.resource).toMatchObject({
      'service.name': 'frontline-test',
      'service.version': '9.9.9',
      'deployment.environment.name': 'test',
    });

    const query = spans.find((s) => s.kind === SPAN_KIND_CLIENT)!;
    expect(query).toBeDefined();
    expect(query.name).toBe('SELECT');
    expect(query.traceId).toBe(traceId);
    expect(query.parentSpanId).toBe(server.spanId);
    expect(query.attrs).toEqual({
      'db.system.name': 'sqlite',
      'db.operation.name': 'SELECT',
      // The SQL with its placeholder: parameters (here 7) are never recorded.
      'db.query.text': 'select "id", "name" from "items" where "id" = ?',
    });
    // The query's span lies within the request's span.
    expect(BigInt(query.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(server.startTimeUnixNano));
    expect(BigInt(query.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(query.startTimeUnixNano));
    expect(BigInt(query.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(server.endTimeUnixNano));
  });

  it('keeps the span active in handlers whose body is parsed first, and starts a new trace without traceparent', async () => {
    handle = await startTracing(enabledSettings());
    ({ app, db } = await buildTestApp());
    await handle.forceFlush();
    collector.reset();

    const response = await app.inject({ method: 'POST', url: '/items', payload: { id: 8, name: 'eight' } });
    expect(response.statusCode).toBe(201);

    const spans = await waitForSpans(handle, collector, (all) => all.some((s) => s.kind === SPAN_KIND_SERVER));
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(server.name).toBe('POST /items');
    expect(server.parentSpanId ?? '').toBe('');
    expect(server.attrs['http.response.status_code']).toBe(201);
    const insert = spans.find((s) => s.name === 'INSERT')!;
    expect(insert.parentSpanId).toBe(server.spanId);
    expect(insert.attrs['db.query.text']).toBe('insert into "items" ("id", "name") values (?, ?)');
  });

  it('keeps the span active when the body arrives later over a real socket', async () => {
    handle = await startTracing(enabledSettings());
    ({ app, db } = await buildTestApp());
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    await handle.forceFlush();
    collector.reset();

    // Headers first, body 50 ms later: the span entered in onRequest must survive parsing a body from socket events.
    const body = JSON.stringify({ id: 9, name: 'nine' });
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${address}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.flushHeaders();
      setTimeout(() => request.end(body), 50);
    });
    expect(status).toBe(201);

    const spans = await waitForSpans(handle, collector, (all) => all.some((s) => s.kind === SPAN_KIND_SERVER));
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(spans.find((s) => s.name === 'INSERT')?.parentSpanId).toBe(server.spanId);
  });

  it('marks 5xx responses and failed queries as errors', async () => {
    handle = await startTracing(enabledSettings());
    ({ app, db } = await buildTestApp());
    await handle.forceFlush();
    collector.reset();

    expect((await app.inject('/boom')).statusCode).toBe(500);
    expect((await app.inject('/missing-table')).statusCode).toBe(500);
    expect((await app.inject('/items/does-not-matter/extra')).statusCode).toBe(404);

    const spans = await waitForSpans(handle, collector, (all) => all.filter((s) => s.kind === SPAN_KIND_SERVER).length === 3);
    const boom = spans.find((s) => s.name === 'GET /boom')!;
    expect(boom.status?.code).toBe(STATUS_CODE_ERROR);
    expect(boom.attrs).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
    expect(boom.events?.map((e) => e.name)).toContain('exception');

    const failed = spans.find((s) => s.kind === SPAN_KIND_CLIENT && s.attrs['db.query.text'] === 'select * from nowhere')!;
    expect(failed.status).toMatchObject({ code: STATUS_CODE_ERROR, message: 'SQLITE_ERROR' });
    expect(failed.attrs['error.type']).toBe('SQLITE_ERROR');
    expect(failed.parentSpanId).toBe(spans.find((s) => s.name === 'GET /missing-table')!.spanId);

    // No route matched: the span is named by the method alone (no unbounded URL in names) and is no error.
    const notFound = spans.find((s) => s.kind === SPAN_KIND_SERVER && s.attrs['http.response.status_code'] === 404)!;
    expect(notFound.name).toBe('GET');
    expect(notFound.attrs['http.route']).toBeUndefined();
    expect(notFound.status?.code ?? 0).not.toBe(STATUS_CODE_ERROR);
  });

  it('gives hooks the request context through requestContext()', async () => {
    handle = await startTracing(enabledSettings());
    ({ app, db } = await buildTestApp());
    await handle.forceFlush();
    collector.reset();

    expect((await app.inject('/hooked')).statusCode).toBe(200);
    const spans = await waitForSpans(handle, collector, (all) => all.some((s) => s.kind === SPAN_KIND_SERVER));
    const server = spans.find((s) => s.name === 'GET /hooked')!;
    expect(spans.find((s) => s.name === 'preHandler work')?.parentSpanId).toBe(server.spanId);
  });

  it('ends the span when the client aborts the request', async () => {
    handle = await startTracing(enabledSettings());
    ({ app, db } = await buildTestApp());
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    await handle.forceFlush();
    collector.reset();

    await new Promise<void>((resolve) => {
      const request = http.get(`${address}/slow`);
      request.on('error', () => resolve());
      setTimeout(() => request.destroy(), 50);
    });
    const spans = await waitForSpans(handle, collector, (all) => all.some((s) => s.name === 'GET /slow'));
    const slow = spans.filter((s) => s.name === 'GET /slow');
    expect(slow).toHaveLength(1);
    expect(slow[0]!.events?.map((e) => e.name)).toContain('request aborted by the client');
    // The handler finishing later must not end (or export) the span a second time.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await handle.forceFlush();
    expect(collector.spans.filter((s) => s.name === 'GET /slow')).toHaveLength(1);
  });

  it('refuses a second start, and shutdown can be called twice', async () => {
    handle = await startTracing(enabledSettings());
    await expect(startTracing(enabledSettings())).rejects.toThrow(/already started/);
    await handle.shutdown();
    await handle.shutdown();
    // After shutdown the globals are gone: a new start works.
    handle = await startTracing(enabledSettings());
    expect(handle.enabled).toBe(true);
  });

  it('sends nothing and registers nothing when disabled', async () => {
    handle = await startTracing(loadSettings({ ENVIRONMENT: 'test', OTLP_ENDPOINT: collector.url }));
    expect(handle.enabled).toBe(false);
    await expect(handle.forceFlush()).resolves.toBeUndefined();
    await expect(handle.shutdown()).resolves.toBeUndefined();
    expect(Object.isFrozen(handle)).toBe(true);

    // The API's no-op tracer: spans record nothing, and no propagator is installed.
    const span = trace.getTracer(TRACER_NAME).startSpan('probe');
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe('00000000000000000000000000000000');
    expect(propagation.fields()).toEqual([]);

    ({ app, db } = await buildTestApp());
    const response = await app.inject({
      method: 'GET',
      url: '/items/7',
      headers: { traceparent: traceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7') },
    });
    expect(response.statusCode).toBe(200);
    await handle.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(collector.requests).toEqual([]);
  });

  it('appends /v1/traces to the endpoint once', () => {
    expect(tracesUrl('http://127.0.0.1:4318/')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('https://otel.example/collector')).toBe('https://otel.example/collector/v1/traces');
    expect(tracesUrl('http://127.0.0.1:4318/v1/traces')).toBe('http://127.0.0.1:4318/v1/traces');
  });
});
