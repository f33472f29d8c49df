/**
 * Abuse response's input from the request path: a request the policy blocked (or held) is a
 * violation by its key, its tenant and its end user, weighted by the most severe finding behind
 * the block. Detector failures and limits are not violations: only what the caller sent counts.
 * Recorded after the response, in the background: the ladder moves for the next request.
 */
import { isDelivered } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';
import { severities, type Severity } from '../../core/finding.js';
import type { Authentication } from '../../keys/authenticate.js';
import type { AbuseResponse } from '../../ops/abuse/abuse-response.js';
import type { AbuseSubject } from '../../ops/abuse/abuse-score-store.js';
import { endUserSubject } from '../../ops/abuse/abuse-actions.js';
import type { CompletionRequest } from '../completion/completion-request.js';

/** The most severe finding that decided a blocking action; undefined when the decision delivered or no finding decided it. */
export function violationSeverity(decision: Decision | undefined): Severity | undefined {
  if (decision === undefined || isDelivered(decision.action)) return undefined;
  let worst = -1;
  for (const finding of decision.findings) if (finding.action === decision.action) worst = Math.max(worst, severities.indexOf(finding.severity));
  return worst < 0 ? undefined : severities[worst];
}

export function reportViolation(options: { abuse: AbuseResponse; auth: Authentication; request: CompletionRequest; onError: (error: unknown) => void }): void {
  const { request, auth } = options;
  const input = violationSeverity(request.input);
  const output = violationSeverity(request.output);
  // The answer's findings are the model's words, not the caller's, unless the input was flagged too.
  const severity = input ?? (output !== undefined && request.input !== undefined && request.input.findings.length > 0 ? output : undefined);
  if (severity === undefined) return;
  const endUser = request.admission?.endUserId;
  const subjects: AbuseSubject[] = [{ kind: 'key', id: auth.key.id }, { kind: 'tenant', id: auth.tenant.id }, ...(endUser === undefined ? [] : [endUserSubject(auth.tenant.id, endUser)])];
  for (const subject of subjects) options.abuse.recordViolation({ subject, severity }).catch(options.onError);
}
