import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { MAX_REASON_LENGTH } from '../../ops/rollouts/check-rollout-arguments.js';
import { isRolloutPercent, MAX_ROLLOUT_STAGES, MAX_SCHEDULE_MINUTES, rolloutBucketBys, rolloutModes, type Rollout } from '../../ops/rollouts/rollout.js';
import { beginRollout, changeRollout, DEFAULT_ROLLOUT_STAGES, rolloutIdOf, type RolloutCommand } from '../../ops/rollouts/rollout-actions.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';
import { armWindowToWire, asRequestError, rolloutToWire, shadowExampleToWire, shadowSummaryToWire } from './operations-wire.js';
import { refreshPolicies } from './policy-routes.js';

const percentMessage = 'must be a percent from 0 to 100 in steps of 0.01';
const percent = z.number({ error: percentMessage }).refine(isRolloutPercent, percentMessage);
const reason = z.string().min(1, 'must not be empty').max(MAX_REASON_LENGTH);
const incidentId = z.string().min(1).max(256);

const startBody = z
  .object({
    /** A version hash, a unique prefix of at least 8 hex digits, or a version name. */
    candidate: z.string({ error: 'required: the policy version to roll out (hash, prefix or name)' }).min(1).max(256),
    stages: z
      .array(percent, { error: 'must be a list of percents' })
      .min(1, `must list 1 to ${MAX_ROLLOUT_STAGES} percents`)
      .max(MAX_ROLLOUT_STAGES, `must list 1 to ${MAX_ROLLOUT_STAGES} percents`)
      .superRefine((stages, context) => {
        stages.forEach((stage, index) => {
          if (index > 0 && stage <= (stages[index - 1] as number)) context.addIssue({ code: 'custom', path: [index], message: 'must be above the stage before it' });
        });
      })
      .optional(),
    bucket_by: z.enum(rolloutBucketBys, { error: `must be one of ${rolloutBucketBys.join(', ')}` }).default('key'),
    mode: z.enum(rolloutModes, { error: `must be one of ${rolloutModes.join(', ')}` }).default('shadow'),
    every_minutes: z.number({ error: `must be a whole number of minutes from 1 to ${MAX_SCHEDULE_MINUTES}` }).int().min(1).max(MAX_SCHEDULE_MINUTES).optional(),
    reason: reason.optional(),
    incident_id: incidentId.optional(),
  })
  .strict();
const advanceBody = z.object({ to: percent.optional(), reason: reason.optional(), incident_id: incidentId.optional() }).strict();
const changeBody = z.object({ reason: reason.optional(), incident_id: incidentId.optional() }).strict();
const rollBackBody = z.object({ reason: z.string({ error: 'required: say why the rollout is rolled back' }).min(1, 'must not be empty').max(MAX_REASON_LENGTH), incident_id: incidentId.optional() }).strict();
const idParams = z.object({ id: z.string().min(1).max(256) }).strict();
const listQuery = z.object({ limit: z.coerce.number({ error: 'must be a whole number from 1 to 1000' }).int().min(1).max(1000).default(20) }).strict();
const reportQuery = z.object({ since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone' }).optional() }).strict();
const examplesQuery = z.object({ limit: z.coerce.number({ error: 'must be a whole number from 1 to 1000' }).int().min(1).max(1000).default(20) }).strict();

const transitions: readonly { path: string; kind: RolloutCommand; body: z.ZodType<{ to?: number; reason?: string; incident_id?: string }> }[] = [
  { path: 'advance', kind: 'advance', body: advanceBody },
  { path: 'complete', kind: 'complete', body: changeBody },
  { path: 'rollback', kind: 'roll_back', body: rollBackBody },
  { path: 'abort', kind: 'abort', body: changeBody },
];

/**
 * `/admin/v1/rollouts`: staged rollouts of policy versions, deployment-wide, so `operator` only.
 * A rollout is shown with its status report: the shadow comparison summary (every replica's), this
 * replica's health windows of both arms and the roll-back thresholds. `current` names the running
 * rollout wherever an id is taken. Each transition is audited and applied on this replica at once.
 */
export function registerRolloutRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const operations = deps.operations;
  const stores = { versions: operations.versions, rollouts: operations.rollouts, record: operations.record, incidents: operations.incidents };

  async function rolloutById(id: string): Promise<Rollout> {
    const rollout = await operations.rollouts.get(await rolloutIdOf(operations.rollouts, id));
    if (rollout === undefined) throw new PalisadeError('not_found', `no rollout ${id}`);
    return rollout;
  }

  async function withReport(rollout: Rollout, since: string | undefined): Promise<Record<string, unknown>> {
    const summary = await operations.shadow.summary({ rolloutId: rollout.id, ...(since === undefined ? {} : { since: new Date(since) }) });
    // Only the rollout this replica runs has windows: asking the observer about another would start fresh ones in their place.
    const windows = rollout.status === 'running' && operations.policies.rollout?.id === rollout.id ? operations.observer.health(rollout.id).windows() : undefined;
    return {
      ...rolloutToWire(rollout),
      report: {
        shadow: shadowSummaryToWire(summary),
        health: {
          replica: windows === undefined ? null : { active: armWindowToWire(windows.active), candidate: armWindowToWire(windows.candidate) },
          thresholds: deps.config.operations.rollouts.health,
        },
      },
    };
  }

  app.post('/admin/v1/rollouts', async (request, reply) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const body = parseWire(startBody, request.body);
    const rollout = await beginRollout(stores, {
      candidate: body.candidate,
      stages: body.stages ?? DEFAULT_ROLLOUT_STAGES,
      bucketBy: body.bucket_by,
      mode: body.mode,
      actor: auth.key.id,
      now: now(),
      ...(body.every_minutes === undefined ? {} : { everyMinutes: body.every_minutes }),
      ...(body.reason === undefined ? {} : { reason: body.reason }),
      ...(body.incident_id === undefined ? {} : { incidentId: body.incident_id }),
    }).catch(asRequestError);
    await refreshPolicies(deps);
    return reply.code(201).send(rolloutToWire(rollout));
  });

  app.get('/admin/v1/rollouts', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const query = parseWire(listQuery, request.query);
    const rollouts = await operations.rollouts.list({ limit: query.limit });
    return { object: 'list', data: rollouts.map(rolloutToWire), has_more: rollouts.length === query.limit };
  });

  app.get('/admin/v1/rollouts/:id', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const { id } = parseWire(idParams, request.params);
    const query = parseWire(reportQuery, request.query);
    return withReport(await rolloutById(id), query.since);
  });

  app.get('/admin/v1/rollouts/:id/disagreements', async (request) => {
    await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
    const { id } = parseWire(idParams, request.params);
    const query = parseWire(examplesQuery, request.query);
    const rollout = await rolloutById(id);
    const examples = await operations.shadow.examples({ rolloutId: rollout.id, limit: query.limit });
    return { object: 'list', rollout_id: rollout.id, data: examples.map(shadowExampleToWire), has_more: examples.length === query.limit };
  });

  for (const transition of transitions) {
    app.post(`/admin/v1/rollouts/:id/${transition.path}`, async (request) => {
      const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'operator', now: now() });
      const { id } = parseWire(idParams, request.params);
      const body = parseWire(transition.body, request.body);
      const rollout = await changeRollout(stores, {
        kind: transition.kind,
        rolloutId: id,
        actor: auth.key.id,
        now: now(),
        ...(body.to === undefined ? {} : { to: body.to }),
        ...(body.reason === undefined ? {} : { reason: body.reason }),
        ...(body.incident_id === undefined ? {} : { incidentId: body.incident_id }),
      }).catch(asRequestError);
      await refreshPolicies(deps);
      return rolloutToWire(rollout);
    });
  }
}
