/**
 * Abuse scores held in this process (one replica). Many replicas share them through the Redis
 * backend instead.
 *
 * Bounded by `maxSubjects`: subjects whose window is empty and whose state has expired are
 * swept (at least once a minute, and whenever the store is full). When every subject held is
 * still live, the oldest-touched one is dropped: forgetting a score errs towards `normal`, which
 * for abuse scoring is the safe direction for innocent callers, and an attacker spreading
 * violations over that many subjects is stopped by the rate limits, not by this store.
 */
import { PalisadeError } from '../../core/errors.js';
import {
  abuseSubjectKey,
  checkAbuseSubject,
  checkScoreRequest,
  escalate,
  escalationAt,
  maxViolationsPerSubject,
  type AbuseScoreStore,
  type Escalation,
  type ScoreResult,
} from './abuse-score-store.js';

export interface MemoryAbuseScoreStoreOptions {
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
  /** Subjects held at most; default 100,000. */
  maxSubjects?: number;
}

export interface MemoryAbuseScoreStore extends AbuseScoreStore {
  /** Subjects held (for tests and metrics). */
  readonly size: number;
}

interface Held {
  /** Violation times and weights, oldest first. */
  violations: { at: number; weight: number }[];
  windowMs: number;
  escalation: Escalation | undefined;
}

const DEFAULT_MAX_SUBJECTS = 100_000;
const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryAbuseScoreStore(options: MemoryAbuseScoreStoreOptions = {}): MemoryAbuseScoreStore {
  const now = options.now ?? Date.now;
  const maxSubjects = options.maxSubjects ?? DEFAULT_MAX_SUBJECTS;
  if (!(Number.isSafeInteger(maxSubjects) && maxSubjects > 0)) throw new PalisadeError('invalid_argument', 'abuse score store: maxSubjects must be a positive whole number');
  // A Map keeps insertion order; a subject is re-inserted when touched, so the first is the least recent.
  const subjects = new Map<string, Held>();
  let nextSweepAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  function live(held: Held, at: number): boolean {
    const last = held.violations.at(-1);
    return (last !== undefined && at - last.at < held.windowMs) || escalationAt(held.escalation, at).state !== 'normal';
  }

  function sweep(at: number): void {
    nextSweepAt = at + SWEEP_INTERVAL_MS;
    for (const [key, held] of subjects) if (!live(held, at)) subjects.delete(key);
  }

  function open(): void {
    if (closed) throw new PalisadeError('unavailable', 'abuse score store is closed');
  }

  return {
    async record(request): Promise<ScoreResult> {
      open();
      checkScoreRequest(request);
      const at = now();
      if (at >= nextSweepAt) sweep(at);
      const key = abuseSubjectKey(request.subject);
      const held = subjects.get(key) ?? { violations: [], windowMs: request.policy.windowMs, escalation: undefined };
      subjects.delete(key);
      if (subjects.size >= maxSubjects) {
        sweep(at);
        const oldest = subjects.keys().next();
        if (subjects.size >= maxSubjects && oldest.done !== true) subjects.delete(oldest.value);
      }
      subjects.set(key, held);
      held.windowMs = request.policy.windowMs;
      held.violations = held.violations.filter((violation) => at - violation.at < request.policy.windowMs);
      held.violations.push({ at, weight: request.weight });
      if (held.violations.length > maxViolationsPerSubject) held.violations.splice(0, held.violations.length - maxViolationsPerSubject);
      const score = held.violations.reduce((sum, violation) => sum + violation.weight, 0);
      const previous = escalationAt(held.escalation, at);
      const current = escalate({ previous, score, now: at, policy: request.policy });
      held.escalation = current.state === 'normal' ? undefined : current;
      return { score, previous, current: escalationAt(current, at), at: new Date(at) };
    },

    async read(list) {
      open();
      list.forEach((subject, index) => checkAbuseSubject(subject, `subjects[${index}]`));
      const at = now();
      return list.map((subject) => escalationAt(subjects.get(abuseSubjectKey(subject))?.escalation, at));
    },

    async reset(subject) {
      open();
      checkAbuseSubject(subject);
      subjects.delete(abuseSubjectKey(subject));
    },

    async close() {
      closed = true;
      subjects.clear();
    },

    get size() {
      return subjects.size;
    },
  };
}
