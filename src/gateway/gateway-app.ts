import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { PalisadeError } from '../core/errors.js';
import { registerAbuseRoutes } from './admin/abuse-routes.js';
import { registerApprovalRoutes } from './admin/approval-routes.js';
import { registerAuditRoutes } from './admin/audit-routes.js';
import { registerIncidentRoutes } from './admin/incident-routes.js';
import { registerKeyRoutes } from './admin/key-routes.js';
import { registerRunbookRoutes } from './admin/runbook-routes.js';
import { registerPolicyRoutes } from './admin/policy-routes.js';
import { registerAdminReportRoutes } from './admin/report-routes.js';
import { registerRolloutRoutes } from './admin/rollout-routes.js';
import { registerStatsRoutes } from './admin/stats-routes.js';
import { registerSwitchRoutes } from './admin/switch-routes.js';
import { registerTenantRoutes } from './admin/tenant-routes.js';
import { registerWhoamiRoutes } from './admin/whoami-routes.js';
import { createCompletionHandler } from './completion/handle-completion.js';
import type { GatewayDependencies } from './gateway-dependencies.js';
import { createAllowedMethods } from './http/allowed-methods.js';
import { bodyCutFailure, clientErrorResponse, isBodyCut, isClientTimeout } from './http/client-error-response.js';
import { parseJsonBody } from './http/parse-json-body.js';
import { registerReportRoutes } from './report-routes.js';
import { toPalisadeError } from './http/to-palisade-error.js';
import { registerServiceRoutes } from './service-routes.js';
import { registerToolRoutes } from './tool-routes.js';
import { registerUiRoutes } from './ui-routes.js';
import { renderAnthropicError, renderOpenAIError } from './wire/render-wire-error.js';

const completionEndpoints: Readonly<Record<string, string>> = { '/v1/chat/completions': 'chat.completions', '/v1/messages': 'messages' };

/** Anthropic clients get Anthropic error bodies; everything else the OpenAI envelope. */
function isAnthropicPath(url: string): boolean {
  return url === '/v1/messages' || url.startsWith('/v1/messages?') || url.startsWith('/v1/messages/');
}

/**
 * The HTTP gateway: OpenAI `POST /v1/chat/completions`, Anthropic `POST /v1/messages`,
 * `GET /v1/models`, health, readiness and metrics, and the admin API. Slow clients are cut off
 * (header and request timeouts); bodies are bounded, UTF-8 and shallow; every error is in the
 * wire format of the endpoint, with a stable code and the request id.
 */
export function createGatewayApp(deps: GatewayDependencies): FastifyInstance {
  const { server } = deps.config;
  // Sockets Node cut for slowness: a request still reading its body there failed by timeout, not by the client leaving.
  const timedOut = new WeakSet<Socket>();
  const app = Fastify({
    logger: false,
    bodyLimit: server.body_limit_bytes,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // Node's own timers: headersTimeout and requestTimeout answer 408 and close slow (slow-loris) clients.
    serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) =>
      createServer({ headersTimeout: server.header_timeout_ms, requestTimeout: server.request_timeout_ms, connectionsCheckingInterval: Math.min(1000, server.header_timeout_ms), keepAliveTimeout: 65_000 }, handler),
    // Fastify's default answers these in its own body format; ours is the OpenAI envelope with a code and a request id.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (isClientTimeout(error)) timedOut.add(socket);
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(error, randomUUID()));
      socket.destroy(error);
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
    try {
      done(null, parseJsonBody(body, { maxDepth: server.max_json_depth }));
    } catch (error) {
      done(error as Error);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-palisade-request-id', request.id);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const cut = isBodyCut(error) ? bodyCutFailure({ timedOut: timedOut.has(request.raw.socket) }) : undefined;
    const { error: failure, unexpected } = cut ?? toPalisadeError(error);
    const status = cut?.status ?? failure.status;
    if (unexpected) deps.logger.error({ requestId: request.id, err: { name: (error as Error).name, message: (error as Error).message } }, 'unexpected error');
    const rendered = isAnthropicPath(request.url) ? renderAnthropicError(failure, { requestId: request.id }) : renderOpenAIError(failure);
    // A completion request refused before its handler ran (body too large, not JSON) is still a request the log must hold.
    const endpoint = completionEndpoints[request.url.split('?')[0] ?? ''];
    if (endpoint !== undefined) {
      const time = (deps.now?.() ?? new Date()).toISOString();
      try {
        await deps.audit.writer.append({ id: request.id, type: 'request', time, status, data: { endpoint, error: failure.code } });
      } catch (auditError) {
        deps.logger.error({ requestId: request.id, err: String(auditError) }, 'audit write failed for a refused request');
      }
      deps.metrics.requests.inc({ endpoint, route: '', tenant: '', action: 'none', status: String(status) });
    }
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  const allowed = createAllowedMethods();
  app.addHook('onRoute', (route) => allowed.add(route));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const methods = allowed.for(path).filter((method) => method !== 'HEAD');
    const failure =
      methods.length > 0
        ? new PalisadeError('method_not_allowed', `${request.method} is not allowed on ${path.slice(0, 200)} (allowed: ${methods.join(', ')})`)
        : new PalisadeError('not_found', `no route for ${request.method} ${path.slice(0, 200)}`);
    const rendered = isAnthropicPath(request.url) ? renderAnthropicError(failure, { requestId: request.id }) : renderOpenAIError(failure);
    if (methods.length > 0) void reply.header('allow', methods.join(', '));
    void reply.code(rendered.status).send(rendered.body);
  });

  app.post('/v1/chat/completions', createCompletionHandler(deps, 'openai'));
  app.post('/v1/messages', createCompletionHandler(deps, 'anthropic'));
  registerServiceRoutes(app, deps);
  registerTenantRoutes(app, deps);
  registerKeyRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerApprovalRoutes(app, deps);
  registerToolRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerAdminReportRoutes(app, deps);
  registerSwitchRoutes(app, deps);
  registerPolicyRoutes(app, deps);
  registerRolloutRoutes(app, deps);
  registerAbuseRoutes(app, deps);
  registerIncidentRoutes(app, deps);
  registerRunbookRoutes(app, deps);
  registerStatsRoutes(app, deps);
  registerWhoamiRoutes(app, deps);
  registerUiRoutes(app);
  return app;
}
