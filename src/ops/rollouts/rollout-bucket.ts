/**
 * Sticky bucketing: which arm of a rollout a request falls in.
 *
 * A subject (a tenant, a key or an end user, per `bucketBy`) has one bucket per rollout, 0 to
 * 9,999, from sha256 of the rollout id and the subject. It is in the candidate's arm when its
 * bucket is below `percent × 100`. So:
 * - sticky: the same subject gets the same arm on every request and every replica;
 * - monotone: raising the percent only adds subjects (one in at 5 % is in at 25 %); the subjects
 *   at 1 % are the first 1 % of the 25 %;
 * - independent across rollouts: the rollout id is in the hash, so the subjects that take the
 *   first 1 % of one rollout are not always the same ones.
 */
import { createHash } from 'node:crypto';
import type { Rollout } from './rollout.js';

export const ROLLOUT_BUCKETS = 10_000;

/** The subject's bucket in this rollout, 0 to 9,999. */
export function bucketOf(options: { rolloutId: string; subject: string }): number {
  // A separator no id contains keeps ("ab", "c") and ("a", "bc") apart.
  const digest = createHash('sha256').update(`${options.rolloutId}\n${options.subject}`, 'utf8').digest();
  // 48 bits modulo 10,000: the bias is below one in 10^10.
  return digest.readUIntBE(0, 6) % ROLLOUT_BUCKETS;
}

export interface RequestSubjects {
  tenantId: string;
  keyId: string;
  /** The end user the client names, opaque; absent or empty when it names none. */
  endUserId?: string;
}

/**
 * The subject a request is bucketed by. `end_user` ids are the client's own, so they are scoped
 * by tenant (two tenants' user `42` are different people); a request without one falls back to
 * its key, exactly as `bucketBy: 'key'` would bucket it, so traffic without end-user ids is still
 * split, sticky per key.
 */
export function rolloutSubject(bucketBy: Rollout['bucketBy'], subjects: RequestSubjects): string {
  if (bucketBy === 'tenant') return `tenant:${subjects.tenantId}`;
  if (bucketBy === 'end_user' && subjects.endUserId !== undefined && subjects.endUserId !== '') return `end_user:${subjects.tenantId}:${subjects.endUserId}`;
  return `key:${subjects.keyId}`;
}

/**
 * True when the request is in the candidate's arm of a running rollout. False for a rollout that
 * is not running (a completed one's candidate is the active version anyway).
 */
export function inCandidate(options: RequestSubjects & { rollout: Pick<Rollout, 'id' | 'percent' | 'bucketBy' | 'status'> }): boolean {
  const { rollout } = options;
  if (rollout.status !== 'running') return false;
  const threshold = Math.round(rollout.percent * 100);
  if (threshold <= 0) return false;
  if (threshold >= ROLLOUT_BUCKETS) return true;
  return bucketOf({ rolloutId: rollout.id, subject: rolloutSubject(rollout.bucketBy, options) }) < threshold;
}
