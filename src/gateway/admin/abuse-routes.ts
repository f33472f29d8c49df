import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import type { Authentication } from '../../keys/authenticate.js';
import { hasScope } from '../../keys/scopes.js';
import { abuseSubject, abuseSubjectTenant, resetAbuseScore } from '../../ops/abuse/abuse-actions.js';
import type { AbuseResponse } from '../../ops/abuse/abuse-response.js';
import { abuseStates, type AbuseSubject } from '../../ops/abuse/abuse-score-store.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';
import { abuseOverrideToWire, abuseStatusToWire, asRequestError } from './operations-wire.js';

const MAX_REASON_LENGTH = 1_000;
const MAX_OVERRIDE_SECONDS = 366 * 86_400;
const reason = z.string({ error: `required: say why, 1 to ${MAX_REASON_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`);
const subjectParams = z.object({ kind: z.string().min(1).max(20), id: z.string().min(1).max(256) }).strict();
const overrideBody = z
  .object({
    state: z.enum(abuseStates, { error: `must be one of ${abuseStates.join(', ')}` }),
    reason,
    until: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-01-01T12:00:00Z' }).optional(),
    for_seconds: z.number({ error: `must be a whole number of seconds from 1 to ${MAX_OVERRIDE_SECONDS}` }).int().min(1).max(MAX_OVERRIDE_SECONDS).optional(),
  })
  .strict()
  .refine((body) => body.until === undefined || body.for_seconds === undefined, { message: 'give until or for_seconds, not both', path: ['until'] });
const reasonBody = z.object({ reason }).strict();
const listQuery = z.object({ limit: z.coerce.number({ error: 'must be a whole number from 1 to 10000' }).int().min(1).max(10_000).default(1_000) }).strict();

/**
 * `/admin/v1/abuse`: the abuse ladder's state of a key, a tenant or an end user
 * (`<tenant>:<end user id>`), and operators' overrides of it. Reading a subject's status is open
 * to an `admin` key for its own tenant's subjects (another tenant's are `not_found`); everything
 * else is `operator` only. Override changes are audited by the abuse response itself
 * (`abuse-state-changed`, actor = the key); a score reset is audited here.
 */
export function registerAbuseRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const operations = deps.operations;

  function enabled(): AbuseResponse {
    if (operations.abuse === undefined) throw new PalisadeError('not_found', 'abuse response is disabled (operations.abuse.enabled: false)');
    return operations.abuse;
  }

  function subjectOf(params: unknown): AbuseSubject {
    const { kind, id } = parseWire(subjectParams, params);
    return abuseSubject(kind, id);
  }

  /** An admin sees its own tenant's subjects only; the others are not found, like missing ones. */
  async function requireVisible(auth: Authentication, subject: AbuseSubject): Promise<void> {
    if (hasScope(auth.key.scopes, 'operator')) return;
    const tenantId = subject.kind === 'key' ? (await deps.keys.getKey(subject.id))?.tenantId : abuseSubjectTenant(subject);
    if (tenantId !== auth.tenant.id) throw new PalisadeError('not_found', `${subject.kind === 'key' ? 'API key' : subject.kind === 'user' ? 'end user' : 'tenant'} not found`);
  }

  app.get('/admin/v1/abuse/overrides', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const query = parseWire(listQuery, request.query);
    const overrides = await operations.abuseOverrides.listActive({ now: now(), limit: query.limit });
    return { object: 'list', data: overrides.map(abuseOverrideToWire), has_more: overrides.length === query.limit };
  });

  app.get('/admin/v1/abuse/:kind/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const subject = subjectOf(request.params);
    await requireVisible(auth, subject);
    const status = await enabled().state(subject);
    // The override's reason is an operator's note, not the tenant's to read.
    return abuseStatusToWire(subject, status, { withReason: hasScope(auth.key.scopes, 'operator') });
  });

  app.put('/admin/v1/abuse/:kind/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const subject = subjectOf(request.params);
    const body = parseWire(overrideBody, request.body);
    const abuse = enabled();
    const at = now();
    const until = body.until !== undefined ? new Date(body.until) : body.for_seconds !== undefined ? new Date(at.getTime() + body.for_seconds * 1000) : undefined;
    if (until !== undefined && until.getTime() <= at.getTime()) throw new PalisadeError('invalid_request', 'invalid until: must be in the future', { details: [{ path: 'until', message: 'must be in the future' }] });
    const status = await abuse.override({ subject, state: body.state, reason: body.reason, by: auth.key.id, ...(until === undefined ? {} : { until }) }).catch(asRequestError);
    return abuseStatusToWire(subject, status, { withReason: true });
  });

  app.delete('/admin/v1/abuse/:kind/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const subject = subjectOf(request.params);
    const body = parseWire(reasonBody, request.body);
    const abuse = enabled();
    if ((await operations.abuseOverrides.get(subject, { now: now() })) === undefined) throw new PalisadeError('not_found', `no override is in force for ${subject.kind} ${subject.id}`);
    const status = await abuse.clearOverride({ subject, by: auth.key.id, reason: body.reason }).catch(asRequestError);
    return abuseStatusToWire(subject, status, { withReason: true });
  });

  app.post('/admin/v1/abuse/:kind/:id/reset', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const subject = subjectOf(request.params);
    const body = parseWire(reasonBody, request.body);
    const { before, after } = await resetAbuseScore({ abuse: enabled(), record: operations.record }, { subject, reason: body.reason, actor: auth.key.id, now: now() }).catch(asRequestError);
    return { ...abuseStatusToWire(subject, after, { withReason: true }), previous_state: before.state };
  });
}
