import type { ResilientProvider } from '../upstream/resilient-provider.js';
import type { RouteRunner } from '../upstream/route-runner.js';
import type { SpotlightMode } from './spotlight.js';

/** One model id clients may ask for, and how Palisade serves it. */
export interface ModelRoute {
  /** The id clients send in `model`. */
  name: string;
  /** The policy's route overlay for it (`routes.<route>`). */
  route: string;
  /** A blocked request gets an error, or a normal completion carrying `refusalMessage`. */
  onBlock: 'error' | 'refusal';
  refusalMessage: string;
  /** How text from tools and documents is marked before it goes upstream. */
  spotlight: SpotlightMode;
  /** A random canary goes into each request's system prompt. */
  canary: boolean;
  /** The fallback chain. */
  runner: RouteRunner;
  /** The model id to send to each provider (by provider name); absent: the client's id. */
  upstreamModels: ReadonlyMap<string, string>;
}

export interface ModelRoutes {
  get(model: string): ModelRoute | undefined;
  list(): readonly ModelRoute[];
  /** Every provider behind any route, once each (for readiness and metrics). */
  providers(): readonly ResilientProvider[];
}

export function createModelRoutes(routes: readonly ModelRoute[]): ModelRoutes {
  const byName = new Map(routes.map((route) => [route.name, route]));
  const providers = [...new Set(routes.flatMap((route) => route.runner.providers))];
  return { get: (model) => byName.get(model), list: () => routes, providers: () => providers };
}
