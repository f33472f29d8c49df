import type { FastifyInstance } from 'fastify';
import type { GatewayDependencies } from './gateway-dependencies.js';
import { authorize } from './http/authorize.js';

const readinessTimeoutMs = 2000;

function withTimeout(check: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `GET /v1/models` (both SDKs' shapes in one list), `/healthz` (the process answers),
 * `/readyz` (its stores answer and it is not drained by the global kill switch; upstream breakers are reported but do not fail readiness: an
 * upstream outage is not a reason to take a replica out of the load balancer) and `/metrics`.
 */
export function registerServiceRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  app.get('/v1/models', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'inference', now: deps.now?.() ?? new Date() });
    const data = deps.models.list().map((route) => ({ id: route.name, object: 'model', created: 0, owned_by: 'palisade', type: 'model', display_name: route.name, created_at: '1970-01-01T00:00:00Z' }));
    return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all(
      deps.readiness.map(async (readiness) => {
        try {
          await withTimeout(readiness.check(), readinessTimeoutMs);
          return { name: readiness.name, status: 'ok' };
        } catch (error) {
          return { name: readiness.name, status: 'failing', error: error instanceof Error ? error.message.slice(0, 200) : 'failed' };
        }
      }),
    );
    const upstreams = deps.models.providers().map((provider) => ({ name: provider.name, circuit: provider.circuitState() }));
    // Drained (the global kill switch off): every new request would be refused, so load balancers should stop sending them.
    const drained = deps.operations.switchBoard.evaluate({}).state === 'off';
    const ready = checks.every((check) => check.status === 'ok') && !drained;
    return reply.code(ready ? 200 : 503).send({ status: drained ? 'draining' : ready ? 'ready' : 'not_ready', checks, upstreams });
  });

  app.get('/metrics', async (_request, reply) => {
    for (const provider of deps.models.providers()) deps.metrics.breakerState.set({ provider: provider.name }, provider.circuitState() === 'closed' ? 0 : 1);
    const switches = deps.operations.switchBoard.active();
    for (const state of ['degrade', 'off'] as const) deps.metrics.switchesActive.set({ state }, switches.filter((record) => record.state === state).length);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
