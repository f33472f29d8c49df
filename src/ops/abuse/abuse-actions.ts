/**
 * The abuse response as operators see it, the same from the admin API, the CLI and the gateway:
 * which subject an operator names, the `abuse-state-changed` event every state change is recorded
 * as (the gateway's `onStateChange` and the CLI's both write this one), and the score reset,
 * which `AbuseResponse` does not report as a state change, so it is recorded here.
 */
import { createHash } from 'node:crypto';
import { PalisadeError } from '../../core/errors.js';
import type { OperatorEvent, RecordOperatorEvent } from '../operator-event.js';
import type { AbuseResponse, AbuseStateChange, AbuseStatus } from './abuse-response.js';
import { abuseSubjectKinds, type AbuseSubject, type AbuseSubjectKind } from './abuse-score-store.js';

const MAX_SUBJECT_ID_LENGTH = 256;

/**
 * An end user as the abuse ladder keys it: the tenant, and a hash of the id the client sent (often
 * an e-mail address), so the raw id never reaches the score store, the audit log or an alert.
 */
export function endUserSubject(tenantId: string, endUserId: string): AbuseSubject {
  return { kind: 'user', id: `${tenantId}:u-${createHash('sha256').update(`${tenantId}\n${endUserId}`, 'utf8').digest('hex').slice(0, 24)}` };
}

/** A subject from a kind and an id as an operator types them; a `user` id is `<tenant>:<end user id>` (hashed as the gateway hashes it). */
export function abuseSubject(kind: string, id: string): AbuseSubject {
  if (!(abuseSubjectKinds as readonly string[]).includes(kind)) throw new PalisadeError('invalid_request', `the subject kind must be one of ${abuseSubjectKinds.join(', ')}`, { details: [{ path: 'kind', message: 'unknown kind' }] });
  if (id.length === 0 || id.length > MAX_SUBJECT_ID_LENGTH) throw new PalisadeError('invalid_request', `the subject id must be 1 to ${MAX_SUBJECT_ID_LENGTH} characters`, { details: [{ path: 'id', message: 'bad length' }] });
  if (kind === 'user' && !/^[^:]+:.+$/.test(id)) throw new PalisadeError('invalid_request', 'a user is named <tenant>:<end user id>, e.g. acme:user-42', { details: [{ path: 'id', message: 'not <tenant>:<end user id>' }] });
  if (kind === 'user') {
    const separator = id.indexOf(':');
    return endUserSubject(id.slice(0, separator), id.slice(separator + 1));
  }
  return { kind: kind as AbuseSubjectKind, id };
}

/** The tenant a subject belongs to, when its id says so (a tenant, an end user); a key's is in the key store. */
export function abuseSubjectTenant(subject: AbuseSubject): string | undefined {
  if (subject.kind === 'tenant') return subject.id;
  if (subject.kind === 'user') return subject.id.split(':')[0];
  return undefined;
}

/** The `abuse-state-changed` event of a state change (an escalation, an override set or cleared). */
export function abuseStateChangeEvent(change: AbuseStateChange): OperatorEvent & { time: string } {
  const tenantId = abuseSubjectTenant(change.subject);
  return {
    type: 'abuse-state-changed',
    actor: change.by ?? 'system',
    ...(tenantId === undefined ? {} : { tenantId }),
    time: change.at.toISOString(),
    data: {
      subject_kind: change.subject.kind,
      subject_id: change.subject.id,
      cause: change.cause,
      from: change.from,
      to: change.to,
      until: change.until?.toISOString() ?? null,
      ...(change.score === undefined ? {} : { score: change.score, severity: change.severity ?? null, masked: change.masked === true }),
      ...(change.reason === undefined ? {} : { reason: change.reason }),
    },
  };
}

export interface ResetAbuseScoreRequest {
  subject: AbuseSubject;
  reason: string;
  actor: string;
  now: Date;
}

/** Forgets the subject's automatic score and state (an override stays), and records it. */
export async function resetAbuseScore(deps: { abuse: AbuseResponse; record: RecordOperatorEvent }, request: ResetAbuseScoreRequest): Promise<{ before: AbuseStatus; after: AbuseStatus }> {
  if (request.reason.trim() === '') throw new PalisadeError('invalid_request', 'a reset needs a reason', { details: [{ path: 'reason', message: 'required' }] });
  const before = await deps.abuse.state(request.subject);
  await deps.abuse.resetScore(request.subject);
  const after = await deps.abuse.state(request.subject);
  const tenantId = abuseSubjectTenant(request.subject);
  await deps.record({
    type: 'abuse-state-changed',
    actor: request.actor,
    ...(tenantId === undefined ? {} : { tenantId }),
    time: request.now.toISOString(),
    data: { subject_kind: request.subject.kind, subject_id: request.subject.id, cause: 'score-reset', from: before.state, to: after.state, until: after.until?.toISOString() ?? null, reason: request.reason },
  });
  return { before, after };
}
