import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_SWITCH_REASON_LENGTH } from '../../ops/switches/check-switch-arguments.js';
import { flipSwitch } from '../../ops/switches/flip-switch.js';
import { runbookActions, runbookFlip, runbookTarget } from '../../ops/switches/runbook.js';
import { switchStateAt } from '../../ops/switches/switch-store.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';
import { asRequestError, switchToWire } from './operations-wire.js';

const MAX_EXPIRY_SECONDS = 366 * 86_400;
const actionParams = z.object({ action: z.enum(runbookActions, { error: `must be one of ${runbookActions.join(', ')}` }) }).strict();
const actionBody = z
  .object({
    target: z.string().min(1).max(256).optional(),
    policy: z.string().min(1).max(256).optional(),
    reason: z.string({ error: `required: say why, 1 to ${MAX_SWITCH_REASON_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_SWITCH_REASON_LENGTH),
    incident_id: z.string().min(1).max(100).optional(),
    expires_in_seconds: z.number({ error: `must be a whole number of seconds from 1 to ${MAX_EXPIRY_SECONDS}` }).int().min(1).max(MAX_EXPIRY_SECONDS).optional(),
    undo: z.boolean().optional(),
  })
  .strict();

/**
 * `POST /admin/v1/runbook/:action`: the incident runbook's moves by name (drain, freeze a key,
 * revoke a tenant's tools…; `src/ops/switches/runbook.ts`), each a kill-switch flip on every
 * replica, audited, and on the timeline of the incident named by `incident_id`. `operator` only.
 */
export function registerRunbookRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const operations = deps.operations;

  app.post('/admin/v1/runbook/:action', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const { action } = parseWire(actionParams, request.params);
    const body = parseWire(actionBody, request.body);
    const options = { ...(body.target === undefined ? {} : { target: body.target }), ...(body.policy === undefined ? {} : { policy: body.policy }), ...(body.undo === undefined ? {} : { undo: body.undo }) };
    const at = now();
    // Actions sharing a switch add up: the flip is planned from what the switch does now.
    const planned = await (async () => {
      try {
        const { scope, id } = runbookTarget(action, options);
        const current = await operations.switches.get(scope, id);
        return runbookFlip(action, options, current === undefined || switchStateAt(current, at) === 'on' ? undefined : current);
      } catch (error) {
        return asRequestError(error);
      }
    })();
    const result = await flipSwitch(
      { switches: operations.switches, versions: operations.versions, record: operations.record, incidents: operations.incidents },
      {
        ...planned,
        reason: body.reason,
        actor: auth.key.id,
        now: at,
        ...(body.expires_in_seconds === undefined || planned.state === 'on' ? {} : { expiresAt: new Date(at.getTime() + body.expires_in_seconds * 1000) }),
        ...(body.incident_id === undefined ? {} : { incidentId: body.incident_id }),
      },
    ).catch(asRequestError);
    await operations.switchBoard.refresh().catch((error: unknown) => deps.logger.warn({ err: String(error) }, 'reading the kill switches after a flip failed; the periodic re-read applies it'));
    return { action, ...switchToWire(result.current, at), previous_state: result.previousState };
  });
}
