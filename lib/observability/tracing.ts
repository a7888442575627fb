import type { IncomingHttpHeaders } from "node:http";
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

/**
 * Distributed tracing (OpenTelemetry), on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and `OTEL_SDK_DISABLED` is not `true`; spans go
 * out over OTLP/HTTP (JSON) in batches.
 *
 * Spans are made by hand at the few places a request crosses a boundary (HTTP in and out, SQL,
 * Redis, the outbox, Kafka), not by the auto-instrumentations: those patch modules through
 * `require` hooks, which the ES modules this platform runs as (tsx, vitest) do not go through
 * without a loader flag on every entry point. Apollo Gateway's own spans (request, plan,
 * fetch…) use the global tracer provider and appear under the gateway.
 *
 * A process may host several services (the embedded platform hosts all of them): each service
 * gets its own provider, so each span carries the right `service.name`. A server or consumer
 * span puts its service's tracer into the context; the spans below it (SQL, Redis, outgoing
 * calls) use that tracer and are made only inside a traced operation, never for background
 * polling. With tracing off every helper here returns at its first line.
 */

interface ActiveTracing {
  processService: string;
  processProvider: NodeTracerProvider;
  providers: Map<string, BasicTracerProvider>;
  makeProvider(service: string): BasicTracerProvider;
}

let active: ActiveTracing | null = null;

const SERVICE_TRACER = createContextKey("booking-platform.service-tracer");

export interface TracingHandle {
  /** Exports what is buffered and stops; the helpers are no-ops afterwards. */
  shutdown(): Promise<void>;
}

/** The traces endpoint from the standard variables, or null when tracing is off. */
export function tracesEndpoint(env: Record<string, string | undefined>): string | null {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true") return null;
  if (env.OTEL_TRACES_EXPORTER?.toLowerCase() === "none") return null;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`;
  return null;
}

/** `OTEL_RESOURCE_ATTRIBUTES` (`key=value,…`, values percent-encoded); `service.name` is each service's own. */
function resourceAttributes(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    try {
      out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A malformed value is left out rather than stopping the process.
    }
  }
  return out;
}

/** `OTEL_TRACES_SAMPLER_ARG` for the ratio samplers; every trace otherwise. */
function samplingRatio(env: Record<string, string | undefined>): number {
  const sampler = env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on";
  if (sampler === "always_off" || sampler === "parentbased_always_off") return 0;
  if (!sampler.endsWith("traceidratio")) return 1;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? "1");
  return Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1;
}

/**
 * Turns tracing on for this process when the environment asks for it. `processService` names
 * the process's main service (the one whose provider is registered globally, which Apollo
 * Gateway's spans use). Returns null when tracing stays off.
 */
export function configureTracing(
  env: Record<string, string | undefined>,
  processService: string,
  version = "0.1.0",
): TracingHandle | null {
  const url = tracesEndpoint(env);
  if (!url || active) return null;
  const ratio = samplingRatio(env);
  const scheduledDelayMillis = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 2_000) || 2_000;
  const exporter = new OTLPTraceExporter({ url });
  const processors = (): SpanProcessor[] => [
    new BatchSpanProcessor(exporter, { scheduledDelayMillis, maxQueueSize: 8_192, maxExportBatchSize: 512 }),
  ];
  const extra = resourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  const options = (service: string) => ({
    resource: resourceFromAttributes({ ...extra, [ATTR_SERVICE_NAME]: service, [ATTR_SERVICE_VERSION]: version }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: processors(),
  });
  const processProvider = new NodeTracerProvider(options(processService));
  // The AsyncLocalStorage context manager, the W3C trace-context propagator, the global provider.
  processProvider.register();
  const providers = new Map<string, BasicTracerProvider>([[processService, processProvider]]);
  active = {
    processService,
    processProvider,
    providers,
    makeProvider: (service) => new BasicTracerProvider(options(service)),
  };
  return {
    async shutdown() {
      if (!active) return;
      const all = [...providers.values()];
      active = null;
      await Promise.all(all.map((provider) => provider.shutdown().catch(() => {})));
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function tracingEnabled(): boolean {
  return active !== null;
}

/** The tracer of `service` (its own provider), or null when tracing is off. */
export function serviceTracer(service: string): Tracer | null {
  if (!active) return null;
  let provider = active.providers.get(service);
  if (!provider) {
    provider = active.makeProvider(service);
    active.providers.set(service, provider);
  }
  return provider.getTracer("booking-platform");
}

/** The context a W3C `traceparent` (and `tracestate`) continues; the root context without one. */
export function contextFrom(carrier: Record<string, unknown> | IncomingHttpHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => {
      const value = (c as Record<string, unknown>)[key];
      return typeof value === "string" ? value : Array.isArray(value) ? value[0] : undefined;
    },
    keys: (c) => Object.keys(c),
  });
}

/** The `traceparent` of the active span, or null (tracing off, or no span). */
export function currentTraceparent(ctx: Context = context.active()): string | null {
  if (!active) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ?? null;
}

/** Adds `traceparent` (and `tracestate`) of the active span to outgoing headers. */
export function injectTraceHeaders(set: (name: string, value: string) => void): void {
  if (!active) return;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  for (const [name, value] of Object.entries(carrier)) set(name, value);
}

function finish(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : undefined });
  }
  span.end();
}

/**
 * Runs `fn` inside a new span of `service` whose parent is `parent` (a context extracted from a
 * message or request), with the service's tracer in the context for the spans below it. The span
 * ends when `fn` settles.
 */
export async function withServiceSpan<T>(
  service: string,
  name: string,
  options: { parent?: Context; kind?: SpanKind; attributes?: Attributes; links?: Link[] },
  fn: (span: Span | null) => Promise<T>,
): Promise<T> {
  const tracer = serviceTracer(service);
  if (!tracer) return fn(null);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind, attributes: options.attributes, links: options.links },
    parent,
  );
  const ctx = trace.setSpan(parent, span).setValue(SERVICE_TRACER, tracer);
  try {
    const result = await context.with(ctx, () => fn(span));
    finish(span);
    return result;
  } catch (error) {
    finish(span, error);
    throw error;
  }
}

/**
 * Starts a span of `service` for work that does not run as one callback (a batch of messages
 * published together); the caller ends it. Null when tracing is off.
 */
export function startServiceSpan(
  service: string,
  name: string,
  options: { parent: Context; kind: SpanKind; attributes?: Attributes },
): { traceparent: string | null; end(error?: unknown): void } | null {
  const tracer = serviceTracer(service);
  if (!tracer) return null;
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes }, options.parent);
  return {
    traceparent: currentTraceparent(trace.setSpan(options.parent, span)),
    end: (error) => finish(span, error),
  };
}

/**
 * A child span of the active service span (a SQL statement, a Redis command, an outgoing call);
 * runs `fn` untouched outside a traced operation.
 */
export function withChildSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!active) return fn();
  const ctx = context.active();
  const tracer = ctx.getValue(SERVICE_TRACER) as Tracer | undefined;
  if (!tracer) return fn();
  const span = tracer.startSpan(name, { kind, attributes }, ctx);
  let result: Promise<T>;
  try {
    result = context.with(trace.setSpan(ctx, span), fn);
  } catch (error) {
    finish(span, error);
    throw error;
  }
  return result.then(
    (value) => {
      finish(span);
      return value;
    },
    (error: unknown) => {
      finish(span, error);
      throw error;
    },
  );
}

/**
 * Starts a child span of the active service span for work whose promise the caller must keep
 * as it is (a Redis command); the caller calls `end` when it settles. Null outside a traced
 * operation.
 */
export function startChildSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
): { end(error?: unknown): void } | null {
  if (!active) return null;
  const ctx = context.active();
  const tracer = ctx.getValue(SERVICE_TRACER) as Tracer | undefined;
  if (!tracer) return null;
  const span = tracer.startSpan(name, { kind, attributes }, ctx);
  return { end: (error) => finish(span, error) };
}

/** A link to the span a `traceparent` names (a subscription push links to the change behind it). */
export function linkTo(traceparent: string | null | undefined): Link[] {
  if (!active || !traceparent) return [];
  const spanContext = trace.getSpanContext(contextFrom({ traceparent }));
  return spanContext ? [{ context: spanContext }] : [];
}

export { SpanKind };
