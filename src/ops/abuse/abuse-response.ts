/**
 * Abuse response: what the request path asks (`state`, `strictest`) and what the rest of the
 * product tells it (`recordViolation`, and an operator's `override` / `clearOverride`), over an
 * `AbuseScoreStore` (the automatic ladder) and an `AbuseOverrideStore` (manual decisions).
 *
 * Precedence: an override in force wins over the automatic state, whichever is stricter, until
 * it expires or is cleared; the automatic ladder keeps counting underneath, so when the override
 * ends the subject is where its recent behaviour puts it.
 *
 * Speed: overrides are few, so every replica caches all those in force and reloads them every
 * `overrideRefreshMs` (default 5 s) in the background; a replica applies its own `override` at
 * once and another's within that interval. So `state` costs one score-store read (in process:
 * no I/O; Redis: one GET per subject in one round trip).
 *
 * Events: `onStateChange` is called for every act that changes a state: an escalation (reported
 * by exactly one replica, the one whose violation tipped it, since the store applies the ladder
 * atomically), an override set, an override cleared. The return to `normal` when a state
 * expires is not an act (no replica is responsible for an instant): each event carries `until`,
 * which says when it ends. The callback must not throw (what it throws is passed to `onError`).
 */
import type { LimitSettings } from '../../limits/rate-limiter.js';
import {
  abuseStateRank,
  abuseSubjectKey,
  checkAbuseSubject,
  escalationPolicy,
  refuse,
  violationSeverities,
  type AbuseState,
  type AbuseScoreStore,
  type AbuseSubject,
  type Escalation,
  type EscalationPolicy,
  type ViolationSeverity,
} from './abuse-score-store.js';
import { overrideActiveAt, type AbuseOverride, type AbuseOverrideStore } from './abuse-override-store.js';

export interface AbuseResponseOptions {
  scores: AbuseScoreStore;
  overrides: AbuseOverrideStore;
  policy?: Partial<EscalationPolicy>;
  /**
   * A tenant gathers the violations of all its keys and users, so its rungs are this many times
   * higher (default 10): one abusive key should not suspend a whole tenant at the score that
   * suspends the key.
   */
  tenantScale?: number;
  onStateChange?: (change: AbuseStateChange) => void;
  /** A failed background reload of overrides (the ones cached stay in force), or a throwing `onStateChange`. */
  onError?: (error: unknown) => void;
  /** For override expiry and event times; tests pass a fake clock. */
  now?: () => Date;
  /** How long a replica serves its cached overrides before reloading them (default 5,000 ms). */
  overrideRefreshMs?: number;
}

export interface AbuseStatus {
  state: AbuseState;
  /** When it ends; absent for `normal` and for an override without an end. */
  until?: Date;
  source: 'automatic' | 'override';
  /** Multiply the subject's limits by this: 1 when normal, the policy's factor when throttled, 0 when suspended. */
  limitFactor: number;
  /** The override's reason. */
  reason?: string;
}

export interface AbuseStateChange {
  subject: AbuseSubject;
  cause: 'escalated' | 'override-set' | 'override-cleared';
  /** For an escalation, the automatic states; for an override, the state in force before and after. */
  from: AbuseState;
  to: AbuseState;
  until?: Date;
  at: Date;
  /** Escalations: the window's score and the violation that tipped it. */
  score?: number;
  severity?: ViolationSeverity;
  /** Escalations: an override in force masks it, so requests see no change until the override ends. */
  masked?: boolean;
  /** Overrides: who, and why. */
  by?: string;
  reason?: string;
}

export interface ViolationReport {
  subject: AbuseSubject;
  severity: ViolationSeverity;
  /** When it happened (default now), for the event; the window counts on the score store's clock. */
  at?: Date;
}

export interface OverrideRequest {
  subject: AbuseSubject;
  state: AbuseState;
  until?: Date;
  reason: string;
  by: string;
}

export interface AbuseResponse {
  readonly policy: EscalationPolicy;
  /** Counts a violation; resolves to the subject's status after it. */
  recordViolation(violation: ViolationReport): Promise<AbuseStatus>;
  state(subject: AbuseSubject): Promise<AbuseStatus>;
  /**
   * The most restrictive status among the subjects of one request (key, tenant, end user), with
   * the subject it belongs to (the first on a tie); `normal` with no subject when all are normal.
   */
  strictest(subjects: readonly AbuseSubject[]): Promise<AbuseStatus & { subject?: AbuseSubject }>;
  override(request: OverrideRequest): Promise<AbuseStatus>;
  clearOverride(request: { subject: AbuseSubject; by: string; reason: string }): Promise<AbuseStatus>;
  /** Forgets the subject's automatic score and state (its override, if any, stays). */
  resetScore(subject: AbuseSubject): Promise<void>;
}

const DEFAULT_REFRESH_MS = 5_000;

export function createAbuseResponse(options: AbuseResponseOptions): AbuseResponse {
  const policy = escalationPolicy(options.policy);
  const tenantScale = options.tenantScale ?? 10;
  if (!(Number.isSafeInteger(tenantScale) && tenantScale >= 1 && tenantScale <= 1_000)) refuse('tenantScale', 'must be a whole number from 1 to 1,000');
  const tenantPolicy = escalationPolicy({ ...policy, throttleAt: policy.throttleAt * tenantScale, suspendAt: policy.suspendAt * tenantScale });
  const { scores, overrides } = options;
  const now = options.now ?? (() => new Date());
  const refreshMs = options.overrideRefreshMs ?? DEFAULT_REFRESH_MS;
  const reportError = options.onError ?? (() => {});
  let cache = new Map<string, AbuseOverride>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  function reload(): Promise<void> {
    loading ??= overrides
      .listActive({ now: now() })
      .then((list) => {
        cache = new Map(list.map((held) => [abuseSubjectKey(held.subject), held]));
        loadedAt = now().getTime();
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  /** The cache, loaded once before first use, then refreshed in the background when stale. */
  async function cachedOverrides(): Promise<Map<string, AbuseOverride>> {
    if (loadedAt === Number.NEGATIVE_INFINITY) await reload();
    else if (now().getTime() - loadedAt >= refreshMs) reload().catch(reportError);
    return cache;
  }

  function status(subject: AbuseSubject, automatic: Escalation, held: Map<string, AbuseOverride>, at: Date): AbuseStatus {
    const override = held.get(abuseSubjectKey(subject));
    if (override !== undefined && overrideActiveAt(override, at)) {
      return { state: override.state, ...(override.until === undefined ? {} : { until: override.until }), source: 'override', limitFactor: factor(override.state), reason: override.reason };
    }
    return { ...automatic, source: 'automatic', limitFactor: factor(automatic.state) };
  }

  function factor(state: AbuseState): number {
    return state === 'suspended' ? 0 : state === 'throttled' ? policy.throttleFactor : 1;
  }

  function emit(change: AbuseStateChange): void {
    try {
      options.onStateChange?.(change);
    } catch (error) {
      reportError(error);
    }
  }

  async function statusOf(subjects: readonly AbuseSubject[]): Promise<AbuseStatus[]> {
    const [automatic, held] = await Promise.all([scores.read(subjects), cachedOverrides()]);
    const at = now();
    return subjects.map((subject, index) => status(subject, automatic[index] ?? { state: 'normal' }, held, at));
  }

  async function stateOf(subject: AbuseSubject): Promise<AbuseStatus> {
    checkAbuseSubject(subject);
    const [only] = await statusOf([subject]);
    return only ?? { state: 'normal', source: 'automatic', limitFactor: 1 };
  }

  return {
    policy,

    async recordViolation(violation) {
      checkAbuseSubject(violation.subject);
      if (!violationSeverities.includes(violation.severity)) refuse('severity', `must be one of ${violationSeverities.join(', ')}`);
      const [result, held] = await Promise.all([scores.record({ subject: violation.subject, weight: policy.weights[violation.severity], policy: violation.subject.kind === 'tenant' ? tenantPolicy : policy }), cachedOverrides()]);
      const at = now();
      const current = status(violation.subject, result.current, held, at);
      if (result.current.state !== result.previous.state) {
        emit({
          subject: violation.subject,
          cause: 'escalated',
          from: result.previous.state,
          to: result.current.state,
          ...(result.current.until === undefined ? {} : { until: result.current.until }),
          at: violation.at ?? at,
          score: result.score,
          severity: violation.severity,
          masked: current.source === 'override',
        });
      }
      return current;
    },

    state: stateOf,

    async strictest(subjects) {
      subjects.forEach((subject, index) => checkAbuseSubject(subject, `subjects[${index}]`));
      const statuses = await statusOf(subjects);
      let worst: (AbuseStatus & { subject?: AbuseSubject }) | undefined;
      statuses.forEach((each, index) => {
        if (worst === undefined || abuseStateRank[each.state] > abuseStateRank[worst.state]) worst = { ...each, subject: subjects[index] as AbuseSubject };
      });
      return worst === undefined || worst.state === 'normal' ? { state: 'normal', source: 'automatic', limitFactor: 1 } : worst;
    },

    async override(request) {
      const at = now();
      const override: AbuseOverride = { subject: request.subject, state: request.state, reason: request.reason, by: request.by, at, ...(request.until === undefined ? {} : { until: request.until }) };
      const before = await stateOf(request.subject);
      await overrides.set(override);
      cache.set(abuseSubjectKey(override.subject), override);
      const after = await stateOf(request.subject);
      emit({ subject: request.subject, cause: 'override-set', from: before.state, to: after.state, ...(request.until === undefined ? {} : { until: request.until }), at, by: request.by, reason: request.reason });
      return after;
    },

    async clearOverride(request) {
      checkAbuseSubject(request.subject);
      if (typeof request.by !== 'string' || request.by.length === 0) refuse('by', 'must name who clears the override');
      if (typeof request.reason !== 'string' || request.reason.length === 0) refuse('reason', 'must say why');
      const before = await stateOf(request.subject);
      await overrides.clear(request.subject);
      cache.delete(abuseSubjectKey(request.subject));
      const after = await stateOf(request.subject);
      if (before.source === 'override') {
        emit({ subject: request.subject, cause: 'override-cleared', from: before.state, to: after.state, ...(after.until === undefined ? {} : { until: after.until }), at: now(), by: request.by, reason: request.reason });
      }
      return after;
    },

    async resetScore(subject) {
      await scores.reset(subject);
    },
  };
}

/**
 * A subject's limits under its abuse status: each limit multiplied by `limitFactor` and rounded
 * down, but at least 1 while not suspended (a throttled key keeps a trickle); a suspended
 * subject's requests are refused before limits apply. An absent (unlimited) limit stays absent:
 * throttling a subject without limits needs a limit to scale, which the caller supplies.
 */
export function scaleLimits(limits: LimitSettings, limitFactor: number): LimitSettings {
  if (limitFactor >= 1) return limits;
  const scale = (value: number | undefined): number | undefined => (value === undefined ? undefined : Math.max(1, Math.floor(value * limitFactor)));
  const scaled: LimitSettings = {};
  for (const name of ['requestsPerMinute', 'tokensPerMinute', 'concurrentRequests'] as const) {
    const value = scale(limits[name]);
    if (value !== undefined) scaled[name] = value;
  }
  return scaled;
}
