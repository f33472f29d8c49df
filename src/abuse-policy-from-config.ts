import type { GatewayConfig } from './config/load-config.js';
import type { EscalationPolicy } from './ops/abuse/abuse-score-store.js';

/** The abuse ladder `operations.abuse` configures, for the gateway and the CLI alike. */
export function abusePolicyFromConfig(settings: GatewayConfig['operations']['abuse']): EscalationPolicy {
  return {
    windowMs: settings.window_seconds * 1000,
    weights: settings.weights,
    throttleAt: settings.throttle_at,
    suspendAt: settings.suspend_at,
    throttleForMs: settings.throttle_for_seconds * 1000,
    suspendForMs: settings.suspend_for_seconds * 1000,
    throttleFactor: settings.throttle_factor,
  };
}
