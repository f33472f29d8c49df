/**
 * Which methods a path has routes for, so that a known path asked with the wrong method is
 * answered `405 method_not_allowed` with an `Allow` header, not a misleading 404. Routes are
 * recorded as Fastify registers them (its `onRoute` hook); `:param` segments match any segment.
 */
export interface AllowedMethods {
  add(route: { method: string | string[]; url: string }): void;
  /** The methods of the routes matching `path` (without its query), sorted; empty when none do. */
  for(path: string): string[];
}

export function createAllowedMethods(): AllowedMethods {
  const routes: { pattern: RegExp; method: string }[] = [];
  return {
    add(route) {
      const pattern = new RegExp(`^${route.url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`);
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ pattern, method });
    },
    for(path) {
      return [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))].sort();
    },
  };
}
