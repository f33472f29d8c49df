import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  tracer: Tracer;
  /** Flushes spans not exported yet. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry spans, one per lifecycle stage under one span per request. Off unless the
 * standard `OTEL_*` variables switch an exporter on (see src/config/load-config.ts); the OTLP
 * exporter reads its endpoint, headers and protocol settings from those variables itself.
 * The provider is not registered globally: the gateway passes its tracer explicitly.
 */
export function createTracing(options: { exporter: 'otlp' | 'console' | 'none'; serviceName: string; spanExporter?: SpanExporter }): Tracing {
  const spanExporter = options.spanExporter ?? (options.exporter === 'otlp' ? new OTLPTraceExporter() : options.exporter === 'console' ? new ConsoleSpanExporter() : undefined);
  if (spanExporter === undefined) return { tracer: trace.getTracer('palisade'), shutdown: async () => {} };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 1000 })],
  });
  return { tracer: provider.getTracer('palisade'), shutdown: () => provider.shutdown() };
}
