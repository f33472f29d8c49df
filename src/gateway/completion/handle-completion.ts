import type { ServerResponse } from 'node:http';
import { context, trace, type Span } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDelivered } from '../../core/action.js';
import { PalisadeError } from '../../core/errors.js';
import { isTainted } from '../../policy/decide-tool-call.js';
import type { Lease } from '../../limits/rate-limiter.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { decisionHeader } from '../http/decision-header.js';
import { toPalisadeError } from '../http/to-palisade-error.js';
import { RouteFailedError } from '../upstream/route-runner.js';
import { limitsFromWire } from '../admin/admin-wire.js';
import { estimateTokens } from '../wire/estimate-tokens.js';
import { guardMessages, type ParsedChatRequest } from '../wire/guard-messages.js';
import { parseAnthropicMessagesRequest } from '../wire/parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import { renderAnthropicError, renderOpenAIError } from '../wire/render-wire-error.js';
import { completionAuditEvent } from './audit-record.js';
import { recordCompletionMetrics } from './completion-metrics.js';
import type { CompletionRequest, WireFormat } from './completion-request.js';
import { claimIdempotencyKey, type IdempotencyClaim } from './idempotency-claim.js';
import { jsonCompletion } from './json-completion.js';
import { limitSubjects, rateLimitError, rateLimitHeaders } from './rate-limit.js';
import { refusalResponse } from './refusal-response.js';
import { streamCompletion } from './stream-completion.js';
import { forwardedRequest } from './forwarded-request.js';
import { newCanary, outputContext } from './output-context.js';
import { toolSessionId } from './tool-session-id.js';
import { upstreamRequestFor } from './upstream-request.js';
import { withoutProviderTools } from './without-provider-tools.js';
import { admitRequest } from '../operations/admit-request.js';
import { reportViolation } from '../operations/report-violation.js';
import { scaleLimits } from '../../ops/abuse/abuse-response.js';

/** A response worked out but not sent yet: it waits for the audit event to be durable. */
interface PendingResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const parsers: Readonly<Record<WireFormat, (body: unknown) => ParsedChatRequest>> = { openai: parseOpenAIChatRequest, anthropic: parseAnthropicMessagesRequest };

/**
 * Writes to a streamed response, waiting while the client's socket is full. A client that takes
 * nothing for `stallMs` is cut off: otherwise a reader that never reads would hold its stream's
 * lease, upstream connection and idempotency claim for ever. Cutting it closes the response,
 * which aborts the request like any client that leaves.
 */
function write(response: ServerResponse, text: string, stallMs: number): Promise<void> {
  if (response.destroyed) return Promise.reject(new Error('client closed'));
  if (response.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stalled = setTimeout(() => response.destroy(), stallMs);
    const done = (): void => {
      clearTimeout(stalled);
      response.off('drain', done);
      response.off('close', done);
      if (response.destroyed) reject(new Error('client closed'));
      else resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function heldMessage(decision: NonNullable<CompletionRequest['input']>): string {
  const rules = decision.rules.filter((rule) => rule.applied).map((rule) => rule.id);
  const categories = [...new Set(decision.findings.filter((finding) => finding.action === decision.action).map((finding) => finding.category))];
  const why = `${rules.length > 0 ? `rule ${rules.join(', ')}` : 'a detector failure (fail-closed)'}${categories.length > 0 ? ` (${categories.join(', ')})` : ''}`;
  return decision.action === 'block' ? `Palisade blocked this request: ${why}` : `Palisade held this request for review (${decision.action}): ${why}`;
}

/**
 * The completion lifecycle (docs/lifecycle.md), one stage after another: authenticate → parse →
 * route → idempotency → rate limit → input checks → upstream → output checks → audit → respond.
 * Every request, refused or served, ends with one durable audit event before its last byte.
 */
export function createCompletionHandler(deps: GatewayDependencies, format: WireFormat) {
  const endpoint = format === 'openai' ? 'chat.completions' : 'messages';
  const now = (): Date => deps.now?.() ?? new Date();
  const { config } = deps;
  const ops = deps.operations;
  const limitDefaults = { key: limitsFromWire(config.limits.key_defaults), tenant: limitsFromWire(config.limits.tenant_defaults) };

  return async (fastifyRequest: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.hijack();
    const response = reply.raw;
    const span = deps.tracer.startSpan('palisade.request', { attributes: { 'palisade.request_id': fastifyRequest.id, 'palisade.endpoint': endpoint } });
    const request: CompletionRequest = { id: fastifyRequest.id, format, endpoint, started: performance.now(), created: Math.floor(now().getTime() / 1000), span, stream: false };
    const abort = new AbortController();
    /** Aborted when a stream outlives `streaming.max_duration_ms`; unlike `abort`, the client is still there to be told. */
    const expired = new AbortController();
    let streamDeadline: NodeJS.Timeout | undefined;
    response.on('close', () => {
      if (!response.writableFinished) abort.abort(new PalisadeError('invalid_request', 'the client closed the connection'));
    });
    const stage = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
      const child: Span = deps.tracer.startSpan(`palisade.${name}`, {}, trace.setSpan(context.active(), span));
      try {
        return await run();
      } finally {
        child.end();
      }
    };
    let audited: Promise<void> | undefined;
    const audit = (): Promise<void> => {
      audited ??= (async () => {
        const started = performance.now();
        await stage('audit', () => deps.audit.writer.append(completionAuditEvent(request, { contentMode: config.audit.content, now: now() })));
        deps.metrics.auditWriteDuration.observe((performance.now() - started) / 1000);
      })();
      return audited;
    };

    const headers: Record<string, string> = { 'x-palisade-request-id': request.id };
    let lease: Lease | undefined;
    let claim: IdempotencyClaim | undefined;
    let pending: PendingResponse | undefined;
    let captured: string[] | undefined;
    try {
      const auth = await stage('authenticate', () => authorize({ keys: deps.keys, headers: fastifyRequest.headers, scope: 'inference', now: now() }));
      request.auth = auth;
      const parsed = await stage('parse', () => parsers[format](fastifyRequest.body));
      request.parsed = parsed;
      request.stream = parsed.request.stream === true;
      const route = deps.models.get(parsed.request.model);
      if (route === undefined) {
        const available = deps.models.list().map((known) => known.name);
        throw new PalisadeError('not_found', `The model \`${parsed.request.model.slice(0, 100)}\` is not served by this gateway (available: ${available.join(', ')}).`, { details: [{ path: 'model', message: 'unknown model' }] });
      }
      request.route = route;
      const admission = await stage('operations', () =>
        admitRequest({ switches: ops.switchBoard, policies: ops.policies, metrics: deps.metrics, onRefused: (refusal) => (request.refusedBy = refusal), ...(ops.abuse === undefined ? {} : { abuse: ops.abuse }), onAbuseError: config.limits.on_error, onError: (error) => deps.logger.warn({ requestId: request.id, err: String(error) }, 'reading the abuse state failed; the request goes on (limits.on_error: open)') }, { auth, route: route.route, parsed, headers: fastifyRequest.headers }),
      );
      request.admission = admission;
      const engine = admission.policy.engine;

      const idempotency = await stage('idempotency', () => claimIdempotencyKey({ store: deps.idempotency, headers: fastifyRequest.headers, tenantId: auth.tenant.id, endpoint, body: parsed.original, ttlMs: config.idempotency.ttl_seconds * 1000, leaseMs: config.idempotency.lease_seconds * 1000 }));
      if (idempotency?.state === 'replay') {
        request.replayed = true;
        request.idempotencyKey = idempotency.key;
        request.status = idempotency.response.status;
        pending = { status: idempotency.response.status, headers: { ...idempotency.response.headers, ...headers, 'x-palisade-idempotent-replay': 'true' }, body: idempotency.response.body };
      } else {
        if (idempotency !== undefined) {
          claim = idempotency;
          request.idempotencyKey = idempotency.key;
        }
        const estimate = estimateTokens(parsed);
        request.estimatedTokens = estimate.total;
        const acquired = await stage('rate_limit', async () => {
          try {
            const factor = admission.abuse?.limitFactor ?? 1;
            const subjects = limitSubjects(auth, limitDefaults).map((subject) => (factor < 1 ? { ...subject, limits: scaleLimits(subject.limits, factor) } : subject));
            return await deps.limiter.acquire({ subjects, estimatedTokens: estimate.total, requestId: request.id });
          } catch (error) {
            if (config.limits.on_error === 'open') {
              deps.logger.warn({ requestId: request.id, err: String(error) }, 'rate limit store failed; letting the request through (limits.on_error: open)');
              return undefined;
            }
            throw new PalisadeError('unavailable', 'the rate limit store is unavailable', { cause: error, retryAfter: 1 });
          }
        });
        if (acquired !== undefined) {
          Object.assign(headers, rateLimitHeaders(acquired.state));
          if (!acquired.allowed) {
            deps.metrics.rateLimited.inc({ subject: acquired.subject, limit: acquired.limit });
            throw rateLimitError(acquired);
          }
          lease = acquired.lease;
          request.limits = acquired.state;
        }

        const scope = { tenant: auth.tenant.id, route: route.route };
        const sessionId = toolSessionId(fastifyRequest.headers);
        const messages = guardMessages(parsed);
        request.checkedMessages = messages;
        const input = await stage('input_checks', () => engine.check({ messages }, { ...scope, stage: 'input' }));
        request.input = input;
        // Shadow mode: the candidate decides the same input beside the enforced policy, never in its way.
        const shadow = admission.policy.shadow?.engine.check({ messages }, { ...scope, stage: 'input' });
        ops.observer.observe({ requestId: request.id, tenantId: auth.tenant.id, selection: admission.policy, input: { messages }, decision: input }, shadow);
        const inputHeader = decisionHeader([input]);
        if (inputHeader !== undefined) headers['x-palisade-decision'] = inputHeader;

        if (!isDelivered(input.action)) {
          if (route.onBlock !== 'refusal') throw new PalisadeError(input.action === 'block' ? 'content_blocked' : 'content_held', heldMessage(input));
          request.status = 200;
          pending = await refusalResponse({ request, message: route.refusalMessage, headers, audit, write: (text) => write(response, text, config.streaming.client_stall_ms), start: (sseHeaders) => response.writeHead(200, sseHeaders) });
          // A streamed refusal is written in full (its audit event before its finish frames): only the end is left.
          if (pending === undefined) response.end();
        } else {
          const canary = route.canary ? newCanary() : undefined;
          const { parsed: guardedRequest, restore } = forwardedRequest({ parsed, guarded: input.messages, spotlight: route.spotlight, ...(canary === undefined ? {} : { canary }) });
          // Degraded to no tools: the tools a provider runs itself are not sent, since their calls never come back to be refused.
          const forwarded = admission.toolsDisabled ? withoutProviderTools(guardedRequest) : guardedRequest;
          request.outputContext = outputContext({ messages, ...(canary === undefined ? {} : { canary }) });
          const tools = {
            gate: deps.tools,
            context: {
              caller: { tenant: auth.tenant.id, route: route.route, scopes: auth.key.scopes, tainted: isTainted(engine.policy.tools, input) },
              keyId: auth.key.id,
              requestId: request.id,
              now: now(),
              budgetsOnError: config.limits.on_error,
              toolsDisabled: admission.toolsDisabled,
              switchedOff: (tool: string) => ops.switchBoard.evaluate({ tools: [tool] }).state === 'off',
              ...(sessionId === undefined ? {} : { sessionId }),
            },
          };
          request.restoreOutput = restore;
          const upstreamStarted = performance.now();
          // A stream may not run for ever, even one that never pauses long enough to trip idle_ms.
          if (request.stream) {
            const maxMs = config.streaming.max_duration_ms;
            streamDeadline = setTimeout(() => expired.abort(new PalisadeError('upstream_timeout', `the stream ran longer than streaming.max_duration_ms (${maxMs} ms) and was stopped`)), maxMs);
          }
          const upstreamSignal = request.stream ? AbortSignal.any([abort.signal, expired.signal]) : abort.signal;
          const result = await stage('upstream', () => route.runner.run({ prepare: (provider) => upstreamRequestFor({ provider, parsed: forwarded, route, requestId: request.id, clientHeaders: fastifyRequest.headers }), signal: upstreamSignal })).catch((error: unknown) => {
            // Failed attempts count too: the metrics and the audit event show what was tried upstream.
            if (error instanceof RouteFailedError) request.upstream = { provider: error.provider, attempts: [...error.attempts], ms: performance.now() - upstreamStarted };
            throw error;
          });
          request.upstream = { provider: result.provider.name, attempts: result.attempts, ms: performance.now() - upstreamStarted, status: result.response.status };
          headers['x-palisade-upstream'] = result.provider.name;
          if (result.response.kind === 'json') {
            const jsonBody = result.response.body;
            const body = await stage('output_checks', () => jsonCompletion({ request, engine, scope, body: jsonBody, providerFormat: result.provider.format, tools, ...(route.onBlock === 'refusal' ? { refusal: route.refusalMessage } : {}) }));
            const outputHeader = decisionHeader([request.input, request.output]);
            if (outputHeader !== undefined) headers['x-palisade-decision'] = outputHeader;
            request.status = 200;
            pending = { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body };
          } else {
            request.status = 200;
            response.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
            captured = claim === undefined ? undefined : [];
            const events = result.response.events;
            await stage('output_checks', () =>
              streamCompletion({
                request,
                engine,
                scope,
                events,
                providerFormat: result.provider.format,
                sink: { write: (text) => (captured?.push(text), write(response, text, config.streaming.client_stall_ms)) },
                holdBackChars: config.streaming.hold_back_chars,
                scanEveryChars: config.streaming.scan_every_chars,
                signal: abort.signal,
                finalize: audit,
                tools,
              }),
            );
            response.end();
          }
        }
      }
    } catch (error) {
      const clientGone = abort.signal.aborted;
      const { error: failure, unexpected } = toPalisadeError(error);
      if (unexpected) deps.logger.error({ requestId: request.id, err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) }, 'unexpected error in a completion request');
      request.status = clientGone ? 499 : failure.status;
      request.errorCode = failure.code;
      if (response.headersSent) {
        // A stream already under way: its own error handling wrote the event; just close it.
        response.end();
      } else {
        const rendered = format === 'openai' ? renderOpenAIError(failure) : renderAnthropicError(failure, { requestId: request.id });
        pending = { status: rendered.status, headers: { ...headers, ...rendered.headers, 'content-type': 'application/json' }, body: JSON.stringify(rendered.body) };
      }
    }

    try {
      if (pending !== undefined) {
        try {
          await audit();
        } catch (error) {
          // Nothing is acknowledged that the audit log does not hold.
          deps.logger.error({ requestId: request.id, err: String(error) }, 'audit write failed; the request is answered with 503');
          const failure = new PalisadeError('unavailable', 'the audit log is unavailable, so the request was not completed', { retryAfter: 1 });
          const rendered = format === 'openai' ? renderOpenAIError(failure) : renderAnthropicError(failure, { requestId: request.id });
          request.status = failure.status;
          pending = { status: failure.status, headers: { 'x-palisade-request-id': request.id, ...rendered.headers, 'content-type': 'application/json' }, body: JSON.stringify(rendered.body) };
          claim?.release().catch(() => {});
          claim = undefined;
        }
        if (!response.destroyed) {
          response.writeHead(pending.status, { ...pending.headers, 'content-length': String(Buffer.byteLength(pending.body)) });
          response.end(pending.body);
        }
      }
      if (claim !== undefined) {
        const status = request.status ?? 500;
        // A response worth replaying is any final answer; a 5xx, 429 or aborted request may succeed if retried.
        if (status < 500 && status !== 429 && status !== 499 && request.errorCode === undefined && (pending !== undefined || captured !== undefined)) {
          const stored = pending ?? { status, headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8' }, body: (captured ?? []).join('') };
          await claim.complete(stored);
        } else {
          await claim.release();
        }
      }
    } catch (error) {
      deps.logger.error({ requestId: request.id, err: String(error) }, 'finishing a completion request failed');
    } finally {
      clearTimeout(streamDeadline);
      if (lease !== undefined) {
        const used = request.usage === undefined ? undefined : request.usage.inputTokens + request.usage.outputTokens;
        lease.complete(used).catch((error: unknown) => deps.logger.warn({ requestId: request.id, err: String(error) }, 'releasing a rate limit lease failed'));
      }
      recordCompletionMetrics(deps.metrics, request);
      if (request.admission !== undefined && request.input !== undefined) ops.observer.finished(request.admission.policy, request.output === undefined ? [request.input] : [request.input, request.output]);
      if (ops.abuse !== undefined && request.auth !== undefined) reportViolation({ abuse: ops.abuse, auth: request.auth, request, onError: (error) => deps.logger.warn({ requestId: request.id, err: String(error) }, 'recording a policy violation failed') });
      span.setAttributes({ 'palisade.status': request.status ?? 0, 'palisade.action': request.output?.action ?? request.input?.action ?? 'none', ...(request.auth === undefined ? {} : { 'palisade.tenant': request.auth.tenant.id }) });
      span.end();
    }
  };
}
