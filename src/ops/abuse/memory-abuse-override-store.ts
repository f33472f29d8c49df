import { abuseSubjectKey, checkAbuseSubject } from './abuse-score-store.js';
import {
  checkAbuseOverride,
  checkListActiveOptions,
  checkTime,
  newestOverrideFirst,
  overrideActiveAt,
  type AbuseOverride,
  type AbuseOverrideStore,
} from './abuse-override-store.js';

/**
 * Overrides in this process only: for tests and a single process without a database. One per
 * subject overridden, so it grows with the subjects an operator ever touched. Everything is
 * copied in and out.
 */
export function createMemoryAbuseOverrideStore(): AbuseOverrideStore {
  const overrides = new Map<string, AbuseOverride>();
  return {
    async set(override) {
      checkAbuseOverride(override);
      overrides.set(abuseSubjectKey(override.subject), structuredClone(override));
    },
    async clear(subject) {
      checkAbuseSubject(subject);
      const key = abuseSubjectKey(subject);
      const held = overrides.get(key);
      overrides.delete(key);
      return held;
    },
    async get(subject, { now }) {
      checkAbuseSubject(subject);
      checkTime('now', now);
      const held = overrides.get(abuseSubjectKey(subject));
      return held === undefined || !overrideActiveAt(held, now) ? undefined : structuredClone(held);
    },
    async listActive(options) {
      const limit = checkListActiveOptions(options);
      return [...overrides.values()]
        .filter((held) => overrideActiveAt(held, options.now))
        .sort(newestOverrideFirst)
        .slice(0, limit)
        .map((held) => structuredClone(held));
    },
  };
}
