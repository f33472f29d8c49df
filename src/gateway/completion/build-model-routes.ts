import { modelSchema } from '../../config/config-schema.js';
import type { GatewayConfig } from '../../config/load-config.js';
import { createDemoProvider } from '../demo/demo-provider.js';
import { demoModelId } from '../demo/demo-model.js';
import { createAnthropicProvider } from '../upstream/anthropic-provider.js';
import type { HttpProvider } from '../upstream/http-provider.js';
import { createOpenAICompatibleProvider } from '../upstream/openai-compatible-provider.js';
import { createResilientProvider, type ResilientProvider } from '../upstream/resilient-provider.js';
import { createRouteRunner } from '../upstream/route-runner.js';
import { createModelRoutes, type ModelRoutes } from './model-routes.js';

/**
 * The configured providers (each behind retries and its own circuit breaker) and models (each a
 * fallback chain over them). `palisade-demo` is always available as a provider; with no models
 * configured, it is the one model served, so a fresh install works offline.
 */
export function buildModelRoutes(config: GatewayConfig): { routes: ModelRoutes; close(): Promise<void> } {
  const http: HttpProvider[] = [];
  const providers = new Map<string, ResilientProvider>();
  providers.set(demoModelId, createResilientProvider(createDemoProvider()));
  for (const document of config.providers) {
    const timeouts = { connectMs: document.timeouts.connect_ms, firstByteMs: document.timeouts.first_byte_ms, totalMs: document.timeouts.total_ms, idleMs: document.timeouts.idle_ms };
    const apiKey = config.providerKeys[document.name];
    let provider;
    if (document.type === 'demo') provider = createDemoProvider({ name: document.name });
    else if (document.type === 'openai') {
      provider = createOpenAICompatibleProvider({ name: document.name, baseUrl: document.base_url as string, headers: document.headers, timeouts, ...(apiKey === undefined ? {} : { apiKey }) });
      http.push(provider);
    } else {
      provider = createAnthropicProvider({ name: document.name, apiKey: apiKey ?? '', headers: document.headers, timeouts, ...(document.base_url === undefined ? {} : { baseUrl: document.base_url }) });
      http.push(provider);
    }
    providers.set(document.name, createResilientProvider(provider, { retry: { maxRetries: document.retries }, breaker: { failureThreshold: document.breaker.failures, halfOpenAfterMs: document.breaker.cooldown_ms } }));
  }
  const models = config.models.length > 0 ? config.models : [modelSchema.parse({ name: demoModelId, providers: [demoModelId] })];
  const routes = models.map((model) => {
    const chain = model.providers.map((entry) => (typeof entry === 'string' ? { provider: entry } : entry));
    const upstreamModels = new Map<string, string>();
    for (const entry of chain) if ('model' in entry && entry.model !== undefined) upstreamModels.set(entry.provider, entry.model);
    return {
      name: model.name,
      route: model.route ?? model.name,
      onBlock: model.on_block,
      refusalMessage: model.refusal_message,
      spotlight: model.spotlight,
      canary: model.canary,
      runner: createRouteRunner({ providers: chain.map((entry) => providers.get(entry.provider) as ResilientProvider) }),
      upstreamModels,
    };
  });
  return { routes: createModelRoutes(routes), close: async () => void (await Promise.all(http.map((provider) => provider.close()))) };
}
