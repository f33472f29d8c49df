import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { MAX_REASON_LENGTH } from '../../ops/rollouts/check-rollout-arguments.js';
import { activatePolicy, pushPolicy } from '../../ops/rollouts/policy-version-actions.js';
import { MAX_POLICY_NOTE_LENGTH, MAX_POLICY_TEXT_LENGTH } from '../../ops/rollouts/policy-version-store.js';
import { requirePolicyVersion } from '../../ops/rollouts/resolve-policy-version.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';
import { activeVersionToWire, asRequestError, policyVersionToWire } from './operations-wire.js';

const pushBody = z
  .object({
    text: z.string({ error: 'required: the policy document (YAML)' }).min(1, 'must not be empty').max(MAX_POLICY_TEXT_LENGTH, `must be at most ${MAX_POLICY_TEXT_LENGTH} characters`),
    name: z.string().min(1).max(256).optional(),
    note: z.string().min(1).max(MAX_POLICY_NOTE_LENGTH).optional(),
  })
  .strict();
const hashParams = z.object({ hash: z.string().min(1).max(256) }).strict();
const activateBody = z
  .object({
    reason: z.string({ error: `required: say why, 1 to ${MAX_REASON_LENGTH} characters` }).min(1, 'must not be empty').max(MAX_REASON_LENGTH),
    incident_id: z.string().min(1).max(256).optional(),
  })
  .strict();

/**
 * `/admin/v1/policies`: policy versions, deployment-wide, so `operator` only. A push is compiled
 * first, as the gateway would load it (an invalid text is `invalid_policy`, 422, with positions),
 * and stored once per distinct text. Versions are named by hash, a unique prefix of at least 8 hex
 * digits, or name. Activation is refused while a rollout runs.
 */
export function registerPolicyRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const operations = deps.operations;

  app.post('/admin/v1/policies', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const body = parseWire(pushBody, request.body);
    const result = await pushPolicy(
      { versions: operations.versions, record: operations.record },
      {
        text: body.text,
        actor: auth.key.id,
        now: now(),
        source: 'api',
        check: (text) => operations.checkPolicy(text, body.name ?? 'policy'),
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.note === undefined ? {} : { note: body.note }),
      },
    ).catch(asRequestError);
    return reply.code(result.created ? 201 : 200).send({ version: policyVersionToWire(result.version), created: result.created });
  });

  app.get('/admin/v1/policies', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const [versions, state] = await Promise.all([operations.versions.list(), operations.rollouts.state()]);
    return {
      object: 'list',
      data: versions.map((version) => ({ ...policyVersionToWire(version), active: version.hash === state.active?.hash, candidate: version.hash === state.rollout?.candidate })),
      active: activeVersionToWire(state.active),
      rollout: state.rollout === undefined ? null : { id: state.rollout.id, candidate: state.rollout.candidate, baseline: state.rollout.baseline, percent: state.rollout.percent, mode: state.rollout.mode },
    };
  });

  app.get('/admin/v1/policies/:hash', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const { hash } = parseWire(hashParams, request.params);
    const version = await requirePolicyVersion(operations.versions, hash);
    const stored = await operations.versions.get(version.hash);
    if (stored === undefined) throw new PalisadeError('not_found', `no policy version ${version.hash}`);
    const active = await operations.rollouts.activeVersion();
    return { ...policyVersionToWire(stored), active: stored.hash === active?.hash };
  });

  app.post('/admin/v1/policies/:hash/activate', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const { hash } = parseWire(hashParams, request.params);
    const body = parseWire(activateBody, request.body);
    const result = await activatePolicy(
      { versions: operations.versions, rollouts: operations.rollouts, record: operations.record, incidents: operations.incidents },
      { reference: hash, reason: body.reason, actor: auth.key.id, now: now(), source: 'api', ...(body.incident_id === undefined ? {} : { incidentId: body.incident_id }) },
    ).catch(asRequestError);
    if (result.changed) await refreshPolicies(deps);
    return { version: policyVersionToWire(result.version), active: activeVersionToWire(result.active), changed: result.changed };
  });
}

/** After a change of the active version or a rollout, this replica applies it at once (the others at their next read). */
export async function refreshPolicies(deps: GatewayDependencies): Promise<void> {
  await deps.operations.policies.refresh().catch((error: unknown) => deps.logger.warn({ err: String(error) }, 'reading the policy versions after a change failed; the periodic read applies it'));
}
