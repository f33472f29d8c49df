import { PalisadeError } from '../../core/errors.js';
import type { SwitchScope } from './switch-store.js';
import type { SwitchVerdict } from './switch-board.js';

/** Scopes whose id the client named itself, so the message may repeat it. */
const namedByClient: ReadonlySet<SwitchScope> = new Set(['route', 'model', 'tool']);

/**
 * The error for a request an `off` verdict refuses: 503 `unavailable` with Retry-After. The
 * message names the scope (and the id, when the client named it: a route, model or tool), never
 * the reason, the actor or the incident, which are for operators (the audit event has them).
 */
export function switchedOffError(verdict: SwitchVerdict): PalisadeError {
  const first = verdict.applied.find((record) => record.state === 'off');
  const retryAfter = verdict.retryAfterSeconds ?? 1;
  if (first === undefined || first.scope === 'global') return new PalisadeError('unavailable', 'The service is switched off for now; retry later.', { retryAfter });
  const target = namedByClient.has(first.scope) ? `the ${first.scope} "${first.id}"` : `this ${first.scope}`;
  return new PalisadeError('unavailable', `Requests for ${target} are switched off for now; retry later.`, { retryAfter });
}
