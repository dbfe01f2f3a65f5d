/**
 * OpenTelemetry tracing, off unless ENABLE_TELEMETRY=true. When on, one NodeTracerProvider batches spans to
 * OTLP_ENDPOINT over OTLP/HTTP (JSON) at `${endpoint}/v1/traces`. When off, nothing is registered and the
 * @opentelemetry/api calls below fall through to its no-op tracer.
 *
 * We are ESM without loader hooks, so auto-instrumentation (which patches modules as they are required) cannot
 * work; instead this module instruments the two places that matter by hand:
 *  - `tracingPlugin`: a SERVER span per HTTP request, continuing the caller's W3C `traceparent`;
 *  - `createQueryTracer()`: a CLIENT span per SQL query, from Kysely's `log` hook.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { LogEvent, RootOperationNode } from 'kysely';
import type { Settings } from '../config/index.js';

/** The instrumentation scope of every span Frontline makes. */
export const TRACER_NAME = 'frontline';

export interface TracingHandle {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /** Exports what is buffered, then unregisters the global tracer provider, propagator and context manager. */
  shutdown(): Promise<void>;
  /** Exports what is buffered now. */
  forceFlush(): Promise<void>;
}

/** The part of Settings tracing reads. */
export interface TracingSettings {
  app: Pick<Settings['app'], 'version' | 'environment'>;
  telemetry: Pick<Settings['telemetry'], 'tracingEnabled' | 'otlpEndpoint' | 'serviceName'>;
}

export interface StartTracingOptions {
  /** service.version when APP_VERSION is not set (the caller passes the package version). */
  serviceVersion?: string;
  /** Sends spans here instead of the OTLP/HTTP exporter (tests, debugging). */
  exporter?: SpanExporter;
}

const DISABLED: TracingHandle = Object.freeze({
  enabled: false,
  shutdown: async () => {},
  forceFlush: async () => {},
});

/** The started handle: the OpenTelemetry globals can be registered only once per process. */
let running: TracingHandle | undefined;

/** `${endpoint}/v1/traces`, as OTEL_EXPORTER_OTLP_ENDPOINT is read: a base URL that the signal's path extends. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * Starts exporting traces when settings.telemetry.tracingEnabled; otherwise returns a no-op handle and registers
 * nothing, so tracing costs nothing when off. Throws if tracing is already running in this process.
 */
export async function startTracing(settings: TracingSettings, options: StartTracingOptions = {}): Promise<TracingHandle> {
  const { tracingEnabled, otlpEndpoint, serviceName } = settings.telemetry;
  if (!tracingEnabled) return DISABLED;
  if (running) throw new Error('tracing is already started in this process: shut the running handle down first');
  if (!otlpEndpoint && !options.exporter) throw new Error('ENABLE_TELEMETRY=true needs OTLP_ENDPOINT');

  const exporter = options.exporter ?? new OTLPTraceExporter({ url: tracesUrl(otlpEndpoint!) });
  const version = settings.app.version ?? options.serviceVersion;
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: serviceName,
        ...(version ? { [ATTR_SERVICE_VERSION]: version } : {}),
        'deployment.environment.name': settings.app.environment,
      }),
    ),
    // Batching keeps export off the request path; the queue is bounded (2048 spans by default, then dropped).
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Registers the global tracer provider, an AsyncLocalStorage context manager, and the W3C trace-context
  // (+ baggage) propagator that the HTTP plugin extracts `traceparent` with.
  provider.register();

  let stopping: Promise<void> | undefined;
  const handle: TracingHandle = {
    enabled: true,
    forceFlush: async () => {
      if (!stopping) await provider.forceFlush();
    },
    shutdown: () =>
      (stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          propagation.disable();
          context.disable();
          running = undefined;
        }
      })()),
  };
  running = handle;
  return handle;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP: one SERVER span per request

interface RequestTrace {
  span: Span;
  /** The extracted parent (with its baggage) plus the request's span: the context its children start from. */
  context: Context;
  ended: boolean;
}

const requestTraces = new WeakMap<FastifyRequest, RequestTrace>();

/**
 * The context of a request's span, for starting child spans from code outside the request's own async chain
 * (work queued elsewhere, a WebSocket message): `tracer.startSpan(name, {}, requestContext(request))`. Hooks
 * and handlers need not call it: the span is already active there. Without tracing, the active context.
 */
export function requestContext(request: FastifyRequest): Context {
  return requestTraces.get(request)?.context ?? context.active();
}

function endRequestSpan(request: FastifyRequest, finish: (span: Span) => void): void {
  const entry = requestTraces.get(request);
  if (!entry || entry.ended) return;
  entry.ended = true;
  finish(entry.span);
  entry.span.end();
}

export const tracingPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const method = request.method;
      const route = request.routeOptions.url; // undefined when no route matched (404)
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_PATH]: request.url.split('?', 1)[0], // never the query string: it may carry tokens
        [ATTR_URL_SCHEME]: request.protocol,
      };
      if (route) attributes[ATTR_HTTP_ROUTE] = route;
      // A server span starts from the caller's trace (traceparent) or a new one, never from whatever happens
      // to be active in the process.
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const span = trace
        .getTracer(TRACER_NAME)
        .startSpan(route ? `${method} ${route}` : method, { kind: SpanKind.SERVER, attributes }, parent);
      const spanContext = trace.setSpan(parent, span);
      requestTraces.set(request, { span, context: spanContext, ended: false });
      // Everything after onRequest (parsing, the other hooks, the handler, the reply) continues from done(), so
      // entering the context here makes the span active for all of it: Fastify carries the async context across
      // body parsing itself (an AsyncResource around the content-type parser), which a test checks over a socket.
      context.with(spanContext, done);
    });

    app.addHook('onError', (request, _reply, error, done) => {
      const entry = requestTraces.get(request);
      const status = (error as { statusCode?: unknown }).statusCode;
      if (entry && !(typeof status === 'number' && status < 500)) entry.span.recordException(error);
      done();
    });

    app.addHook('onResponse', (request, reply, done) => {
      endRequestSpan(request, (span) => {
        const status = reply.statusCode;
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        // Server spans are errors for 5xx only: a 4xx is the client's mistake, not a failure of this service.
        if (status >= 500) {
          span.setAttribute(ATTR_ERROR_TYPE, String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      });
      done();
    });

    app.addHook('onRequestAbort', (request, done) => {
      // The client went away before the response: end the span now (onResponse may never come). Not marked as
      // an error: a closed tab is not a failure of this service.
      endRequestSpan(request, (span) => span.addEvent('request aborted by the client'));
      done();
    });
  },
  { name: 'frontline-tracing', fastify: '5.x' },
);

// ---------------------------------------------------------------------------------------------------------------
// Database: one CLIENT span per query, from Kysely's log hook

export interface QueryTracerOptions {
  /** The relational dialect (settings.database.target.dialect), for db.system.name. */
  dialect?: 'sqlite' | 'postgres';
  /** Another log hook to call as well (Kysely takes a single `log` function), e.g. DATABASE_ECHO's. */
  next?: (event: LogEvent) => void;
}

const OPERATIONS: Partial<Record<RootOperationNode['kind'], string>> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
};

/** SELECT, INSERT, ... from Kysely's query tree, else the first word of the SQL (CREATE, PRAGMA, BEGIN...). */
function operationOf(node: RootOperationNode, sqlText: string): string | undefined {
  return OPERATIONS[node.kind] ?? /^\s*([a-z]+)/i.exec(sqlText)?.[1]?.toUpperCase();
}

/** The error's code (SQLITE_CONSTRAINT_UNIQUE, 23505) or class: low-cardinality and free of customer data. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return error instanceof Error ? error.name : 'Error';
}

/**
 * A Kysely `log` hook recording a CLIENT span per query, parented to the active context. The span carries the
 * SQL text (never the parameters) and covers exactly the query's duration: Kysely calls the hook after the query
 * with its duration, so the span is created after the fact with explicit start and end times.
 */
export function createQueryTracer(options: QueryTracerOptions = {}): (event: LogEvent) => void {
  const system = options.dialect === 'postgres' ? 'postgresql' : options.dialect === 'sqlite' ? 'sqlite' : 'other_sql';
  return (event) => {
    const endTime = performance.timeOrigin + performance.now();
    const startTime = endTime - event.queryDurationMillis;
    const sqlText = event.query.sql;
    const operation = operationOf(event.query.query, sqlText);
    const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_QUERY_TEXT]: sqlText };
    if (operation) attributes[ATTR_DB_OPERATION_NAME] = operation;
    const span = trace
      .getTracer(TRACER_NAME)
      .startSpan(operation ?? system, { kind: SpanKind.CLIENT, startTime, attributes }, context.active());
    if (event.level === 'error') {
      // Only the code: a driver's message can quote the offending value, i.e. customer data.
      const type = errorType(event.error);
      span.setAttribute(ATTR_ERROR_TYPE, type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    }
    span.end(endTime);
    options.next?.(event);
  };
}
