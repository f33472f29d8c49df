/**
 * The operations stage of the lifecycle (docs/lifecycle.md), right after the route is known and
 * before anything is spent on the request: which policy decides it, whether a kill switch stops
 * or tightens it, and whether its key, tenant or end user is throttled or suspended for abuse.
 *
 *     policy    ─ the active version, a rollout's arm, or (degrade) the version a switch forces
 *     switches  ─ off → 503 `unavailable` with Retry-After; degrade → tools refused, policy forced
 *     abuse     ─ suspended → 403 with Retry-After; throttled → the limits scaled down
 *
 * Everything here only tightens: nothing can let through a request the rest would refuse.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PalisadeError } from '../../core/errors.js';
import type { Authentication } from '../../keys/authenticate.js';
import type { AbuseResponse, AbuseStatus } from '../../ops/abuse/abuse-response.js';
import type { AbuseSubject } from '../../ops/abuse/abuse-score-store.js';
import { endUserSubject } from '../../ops/abuse/abuse-actions.js';
import type { SwitchBoard } from '../../ops/switches/switch-board.js';
import { switchedOffError } from '../../ops/switches/switched-off-error.js';
import type { SwitchRecord } from '../../ops/switches/switch-store.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { ParsedChatRequest } from '../wire/guard-messages.js';
import type { PolicySelection, PolicySelector } from './policy-selector.js';

export interface Admission {
  /** The policy that decides this request (and, in shadow mode, the one evaluated beside it). */
  policy: PolicySelection;
  /** A degrade switch refuses every tool call of the answer. */
  toolsDisabled: boolean;
  /** The switches that applied (degrade ones; an off one refuses instead), for the audit event. */
  switches: readonly SwitchRecord[];
  /** Set when the caller is throttled: its limits are multiplied by `limitFactor`. */
  abuse?: AbuseStatus & { subject?: AbuseSubject };
  endUserId?: string;
}

export interface AdmitRequestOptions {
  switches: SwitchBoard;
  policies: PolicySelector;
  abuse?: AbuseResponse;
  /** When the abuse store cannot be read: let the request through (`open`) or refuse it (`closed`), as `limits.on_error`. */
  onAbuseError: 'open' | 'closed';
  onError: (error: unknown) => void;
  metrics: Pick<Metrics, 'switchRefusals' | 'abuseRefusals' | 'rolloutRequests'>;
  /** Told what refused the request, before the refusal is thrown: for its audit event. */
  onRefused?: (refusal: OperationsRefusal) => void;
}

/** What in the operations stage refused a request (the client is not told; the audit log is). */
export type OperationsRefusal = { switches: { scope: string; id: string; state: string; version: number }[] } | { abuse: { subject_kind: string; state: string; source: string } };

const MAX_END_USER_ID = 256;

/** The end user the client names: the `x-palisade-end-user` header, OpenAI's `user`, or Anthropic's `metadata.user_id`. */
export function endUserId(parsed: ParsedChatRequest, headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-palisade-end-user'];
  const fromHeader = typeof header === 'string' ? header : undefined;
  const fromBody = parsed.format === 'openai' ? parsed.request.user : parsed.request.metadata?.user_id;
  const id = fromHeader ?? fromBody ?? undefined;
  return id === undefined || id === '' ? undefined : id.slice(0, MAX_END_USER_ID);
}

/**
 * The tools a request offers the model, by name (a tool switch covers the requests that offer
 * it): OpenAI `tools` (functions and custom tools) and the legacy `functions`, Anthropic `tools`
 * and `mcp_servers`. A call the model makes anyway is refused by tool gating (`switchedOff`).
 */
export function offeredTools(parsed: ParsedChatRequest): string[] {
  const body = parsed.original as { tools?: unknown; functions?: unknown; mcp_servers?: unknown };
  const names: string[] = [];
  const collect = (list: unknown, name: (entry: Record<string, unknown>) => unknown): void => {
    if (!Array.isArray(list)) return;
    for (const entry of list as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const found = name(entry as Record<string, unknown>);
      if (typeof found === 'string') names.push(found);
    }
  };
  collect(body.tools, (tool) => (tool.function as { name?: unknown } | undefined)?.name ?? (tool.custom as { name?: unknown } | undefined)?.name ?? tool.name);
  collect(body.functions, (fn) => fn.name);
  collect(body.mcp_servers, (server) => server.name);
  return names;
}

export async function admitRequest(options: AdmitRequestOptions, request: { auth: Authentication; route: string; parsed: ParsedChatRequest; headers: IncomingHttpHeaders }): Promise<Admission> {
  const { auth, parsed } = request;
  const endUser = endUserId(parsed, request.headers);
  let policy = options.policies.select({ tenantId: auth.tenant.id, keyId: auth.key.id, ...(endUser === undefined ? {} : { endUserId: endUser }) });
  const verdict = options.switches.evaluate({
    route: request.route,
    model: parsed.request.model,
    tenant: auth.tenant.id,
    keyId: auth.key.id,
    tools: offeredTools(parsed),
    detectors: policy.engine.policy.detectors.map((configured) => configured.detector.id),
  });
  if (verdict.state === 'off') {
    options.metrics.switchRefusals.inc({ scope: verdict.applied[0]?.scope ?? 'global' });
    options.onRefused?.({ switches: verdict.applied.filter((record) => record.state === 'off').map((record) => ({ scope: record.scope, id: record.id, state: record.state, version: record.version })) });
    throw switchedOffError(verdict);
  }
  const forced = verdict.degrade?.policies.at(-1);
  // The most recently flipped forced version decides; shadow comparison stops for requests it covers.
  if (forced !== undefined && forced !== policy.version) {
    policy = await options.policies.forcedArm(forced);
    // The forced policy may run detectors the first one did not: a switched-off detector covers them too.
    const detectors = policy.engine.policy.detectors.map((configured) => configured.detector.id);
    const again = options.switches.evaluate({ detectors });
    if (again.state === 'off') {
      options.metrics.switchRefusals.inc({ scope: 'detector' });
      options.onRefused?.({ switches: again.applied.filter((record) => record.state === 'off').map((record) => ({ scope: record.scope, id: record.id, state: record.state, version: record.version })) });
      throw switchedOffError(again);
    }
  }

  if (policy.rollout !== undefined) options.metrics.rolloutRequests.inc({ arm: policy.rollout.arm, mode: policy.rollout.mode });
  const admission: Admission = { policy, toolsDisabled: verdict.degrade?.tools === 'disabled', switches: verdict.applied, ...(endUser === undefined ? {} : { endUserId: endUser }) };
  if (options.abuse === undefined) return admission;
  const subjects: AbuseSubject[] = [
    { kind: 'key', id: auth.key.id },
    { kind: 'tenant', id: auth.tenant.id },
    ...(endUser === undefined ? [] : [endUserSubject(auth.tenant.id, endUser)]),
  ];
  let status: AbuseStatus & { subject?: AbuseSubject };
  try {
    status = await options.abuse.strictest(subjects);
  } catch (error) {
    if (options.onAbuseError === 'closed') throw new PalisadeError('unavailable', 'the abuse-response store is unavailable', { cause: error, retryAfter: 1 });
    options.onError(error);
    return admission;
  }
  if (status.state === 'suspended') {
    options.metrics.abuseRefusals.inc();
    options.onRefused?.({ abuse: { subject_kind: status.subject?.kind ?? 'unknown', state: status.state, source: status.source } });
    const whose = status.subject?.kind === 'tenant' ? 'your tenant' : status.subject?.kind === 'user' ? 'this end user' : 'this API key';
    const retryAfter = status.until === undefined ? undefined : Math.max(1, Math.ceil((status.until.getTime() - Date.now()) / 1000));
    throw new PalisadeError('forbidden', `Requests from ${whose} are suspended after repeated policy violations${status.until === undefined ? '' : ` until ${status.until.toISOString()}`}.`, retryAfter === undefined ? {} : { retryAfter });
  }
  if (status.state === 'throttled') admission.abuse = status;
  return admission;
}
