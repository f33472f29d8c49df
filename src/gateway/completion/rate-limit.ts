import { PalisadeError } from '../../core/errors.js';
import type { Authentication } from '../../keys/authenticate.js';
import type { AcquireResult, LimitSettings, LimitState, LimitStates, LimitSubject } from '../../limits/rate-limiter.js';

/** A subject's own limits, each one it leaves unset taken from the configured defaults. */
function effective(own: LimitSettings | undefined, defaults: LimitSettings): LimitSettings {
  return own === undefined ? defaults : { ...defaults, ...own };
}

export function limitSubjects(auth: Authentication, defaults: { key: LimitSettings; tenant: LimitSettings }): LimitSubject[] {
  return [
    { kind: 'key', id: auth.key.id, limits: effective(auth.key.limits, defaults.key) },
    { kind: 'tenant', id: auth.tenant.id, limits: effective(auth.tenant.limits, defaults.tenant) },
  ];
}

const duration = (ms: number): string => `${Math.max(0, Math.ceil(ms) / 1000)}s`;

function stateHeaders(kind: 'requests' | 'tokens', state: LimitState | undefined): Record<string, string> {
  if (state === undefined) return {};
  return {
    [`x-ratelimit-limit-${kind}`]: String(state.limit),
    [`x-ratelimit-remaining-${kind}`]: String(Math.max(0, Math.floor(state.remaining))),
    [`x-ratelimit-reset-${kind}`]: duration(state.resetMs),
  };
}

/** The `x-ratelimit-*` headers OpenAI clients know, for the most constrained subject. */
export function rateLimitHeaders(states: LimitStates | undefined): Record<string, string> {
  return states === undefined ? {} : { ...stateHeaders('requests', states.requests), ...stateHeaders('tokens', states.tokens) };
}

/** A refusal as the `rate_limited` error: which limit, whose, and when to retry (none when the request can never fit). */
export function rateLimitError(refused: Extract<AcquireResult, { allowed: false }>): PalisadeError {
  const whose = refused.subject === 'key' ? 'this API key' : 'your tenant';
  if (!Number.isFinite(refused.retryAfterMs)) {
    return new PalisadeError('rate_limited', `this request needs more tokens than ${whose}'s per-minute limit allows; lower max_tokens or the prompt size`);
  }
  const what = refused.limit === 'concurrent' ? 'concurrent requests' : refused.limit === 'tokens' ? 'tokens per minute' : 'requests per minute';
  return new PalisadeError('rate_limited', `rate limit reached: ${what} for ${whose}`, { retryAfter: refused.retryAfterMs / 1000 });
}
