import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { MAX_SWITCH_REASON_LENGTH } from '../../ops/switches/check-switch-arguments.js';
import { flipSwitch, switchTargetId } from '../../ops/switches/flip-switch.js';
import { switchScopes, switchStateAt, switchStates } from '../../ops/switches/switch-store.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';
import { asRequestError, switchToWire } from './operations-wire.js';

const MAX_EXPIRY_SECONDS = 366 * 86_400;
const scopeSchema = z.enum(switchScopes, { error: `must be one of ${switchScopes.join(', ')}` });

const listQuery = z.object({ all: z.enum(['true', 'false'], { error: 'must be true or false' }).optional() }).strict();
const historyQuery = z
  .object({
    scope: scopeSchema.optional(),
    id: z.string().min(1).max(256).optional(),
    limit: z.coerce.number({ error: 'must be a whole number from 1 to 1000' }).int().min(1).max(1000).default(100),
    /** The last version of the previous page. */
    before: z.coerce.number({ error: 'must be a version: a whole number, 0 or more' }).int().min(0).optional(),
  })
  .strict()
  .refine((query) => query.id === undefined || query.scope !== undefined, { message: 'needs a scope', path: ['id'] });
const targetParams = z.object({ scope: scopeSchema, id: z.string().min(1).max(256) }).strict();
const flipBody = z
  .object({
    state: z.enum(switchStates, { error: `must be one of ${switchStates.join(', ')}` }),
    reason: z.string({ error: `required: say why, 1 to ${MAX_SWITCH_REASON_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_SWITCH_REASON_LENGTH, `must be at most ${MAX_SWITCH_REASON_LENGTH} characters`),
    degrade: z
      .object({
        tools: z.literal('disabled', { error: 'must be "disabled"' }).optional(),
        /** A version hash, a unique prefix of at least 8 hex digits, or a version name. */
        policy: z.string().min(1).max(256).optional(),
      })
      .strict()
      .optional(),
    expires_in_seconds: z.number({ error: `must be a whole number of seconds from 1 to ${MAX_EXPIRY_SECONDS}` }).int().min(1).max(MAX_EXPIRY_SECONDS).optional(),
    expires_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-01-01T12:00:00Z' }).optional(),
    incident_id: z.string().min(1).max(256).optional(),
  })
  .strict()
  .refine((body) => body.expires_in_seconds === undefined || body.expires_at === undefined, { message: 'give expires_in_seconds or expires_at, not both', path: ['expires_at'] })
  .refine((body) => body.state !== 'on' || (body.expires_in_seconds === undefined && body.expires_at === undefined), { message: 'an on flip does not expire (on is what an expiry goes back to)', path: ['expires_at'] });

/**
 * `/admin/v1/switches`: the kill switches, deployment-wide, so `operator` only. A flip is stored
 * through a store that announces it to every replica, applied on this one at once, and audited
 * (`switch-flipped`). The global switch's id is `*` (`/admin/v1/switches/global/*`); `all` is
 * accepted for it too.
 */
export function registerSwitchRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const operations = deps.operations;

  app.get('/admin/v1/switches', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const query = parseWire(listQuery, request.query);
    const at = now();
    const snapshot = await operations.switches.list();
    const shown = query.all === 'true' ? snapshot.switches : snapshot.switches.filter((record) => switchStateAt(record, at) !== 'on');
    return {
      object: 'list',
      data: shown.map((record) => switchToWire(record, at)),
      version: snapshot.version,
      // This replica's view: how current the switches it enforces are.
      board: { version: operations.switchBoard.version, refreshed_at: operations.switchBoard.refreshedAt.toISOString() },
    };
  });

  app.get('/admin/v1/switches/history', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const query = parseWire(historyQuery, request.query);
    const records = await operations.switches
      .history({
        limit: query.limit,
        ...(query.scope === undefined ? {} : { scope: query.scope }),
        ...(query.scope === undefined || query.id === undefined ? {} : { id: switchTargetId(query.scope, query.id) }),
        ...(query.before === undefined ? {} : { before: query.before }),
      })
      .catch(asRequestError);
    const at = now();
    return { object: 'list', data: records.map((record) => switchToWire(record, at)), has_more: records.length === query.limit };
  });

  app.put('/admin/v1/switches/:scope/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const target = parseWire(targetParams, request.params);
    const body = parseWire(flipBody, request.body);
    const at = now();
    const expiresAt = body.expires_at !== undefined ? new Date(body.expires_at) : body.expires_in_seconds !== undefined ? new Date(at.getTime() + body.expires_in_seconds * 1000) : undefined;
    if (expiresAt !== undefined && expiresAt.getTime() <= at.getTime()) throw new PalisadeError('invalid_request', 'invalid expires_at: must be in the future', { details: [{ path: 'expires_at', message: 'must be in the future' }] });
    const result = await flipSwitch(
      { switches: operations.switches, versions: operations.versions, record: operations.record, incidents: operations.incidents },
      {
        scope: target.scope,
        id: target.id,
        state: body.state,
        reason: body.reason,
        actor: auth.key.id,
        now: at,
        ...(body.degrade === undefined ? {} : { degrade: body.degrade }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(body.incident_id === undefined ? {} : { incidentId: body.incident_id }),
      },
    ).catch(asRequestError);
    // This replica enforces it now; the others hear of it from the notifier (or their periodic re-read).
    await operations.switchBoard.refresh().catch((error: unknown) => deps.logger.warn({ err: String(error) }, 'reading the kill switches after a flip failed; the periodic re-read applies it'));
    return { ...switchToWire(result.current, at), previous_state: result.previousState };
  });
}
