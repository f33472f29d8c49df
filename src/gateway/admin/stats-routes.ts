import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toChainedEvent } from '../../audit/audit-chain.js';
import type { EventPosition } from '../../audit/audit-store.js';
import { PalisadeError } from '../../core/errors.js';
import { findVisibleTenant, visibleTenantFilter } from '../../keys/tenant-visibility.js';
import type { GatewayDependencies } from '../gateway-dependencies.js';
import { authorize } from '../http/authorize.js';
import { parseWire } from './admin-wire.js';
import { createTrafficStats, statsBucketSeconds, statsBuckets, type StatsBucket } from './traffic-stats.js';

/** The work one call may do: its range, its number of points and the events it reads. */
export const statsLimits = { maxRangeDays: 31, maxBuckets: 1440, maxEvents: 100_000, defaultMaxEvents: 50_000, pageSize: 1000, queueCap: 1000 } as const;

const statsQuery = z
  .object({
    tenant_id: z.string().min(1).max(100).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    bucket: z.enum(statsBuckets as [StatsBucket, ...StatsBucket[]]).optional(),
    max_events: z.coerce.number().int().min(1).max(statsLimits.maxEvents).default(statsLimits.defaultMaxEvents),
  })
  .strict();

const day = 86_400_000;

/** The smallest bucket that keeps the series at 120 points or fewer. */
function defaultBucket(rangeMs: number): StatsBucket {
  return statsBuckets.find((bucket) => rangeMs / (statsBucketSeconds[bucket] * 1000) <= 120) ?? '1d';
}

/**
 * `GET /admin/v1/stats?from=&to=&bucket=&tenant_id=&max_events=`: the console's overview numbers,
 * computed from the audit log (`traffic-stats.ts`), newest events first. An `admin` key gets its
 * own tenant's, an `operator` every tenant's or one's. The work is bounded: at most 31 days, 1,440
 * points and `max_events` events read (default 50,000, at most 100,000); when the range holds more,
 * the answer says `capped: true` and `covered_from` is the oldest time it counted.
 */
export function registerStatsRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();

  app.get('/admin/v1/stats', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'admin', now: now() });
    const query = parseWire(statsQuery, request.query);
    const to = query.to === undefined ? now() : new Date(query.to);
    const from = query.from === undefined ? new Date(to.getTime() - day) : new Date(query.from);
    const invalid = (param: string, message: string) => new PalisadeError('invalid_request', `invalid ${param}: ${message}`, { details: [{ path: param, message }] });
    if (from.getTime() >= to.getTime()) throw invalid('from', 'must be before to');
    if (to.getTime() - from.getTime() > statsLimits.maxRangeDays * day) throw invalid('from', `the range may span at most ${statsLimits.maxRangeDays} days`);
    const bucket = query.bucket ?? defaultBucket(to.getTime() - from.getTime());
    const bucketSeconds = statsBucketSeconds[bucket];
    if ((to.getTime() - from.getTime()) / (bucketSeconds * 1000) > statsLimits.maxBuckets) throw invalid('bucket', `the range holds more than ${statsLimits.maxBuckets} buckets of ${bucket}; choose a larger bucket`);
    const tenantId = query.tenant_id === undefined ? visibleTenantFilter(auth) : (await findVisibleTenant(deps.keys, auth, query.tenant_id)).id;

    const stats = createTrafficStats({ from, to, bucketSeconds });
    const filter = { from: from.toISOString(), to: to.toISOString(), ...(tenantId === undefined ? {} : { tenantId }) };
    let scanned = 0;
    let after: EventPosition | undefined;
    let oldest: string | undefined;
    let capped = false;
    for (;;) {
      const limit = Math.min(statsLimits.pageSize, query.max_events - scanned);
      const rows = await deps.audit.store.queryEvents({ filter, limit: limit + 1, ...(after === undefined ? {} : { after }) });
      const page = rows.slice(0, limit);
      for (const row of page) stats.add(toChainedEvent(row).event);
      scanned += page.length;
      const last = page.at(-1);
      if (last !== undefined) {
        oldest = last.columns.time;
        after = { time: last.columns.time, writerId: last.writerId, seq: last.seq };
      }
      if (rows.length <= limit) break;
      if (scanned >= query.max_events) {
        capped = true;
        break;
      }
    }

    const queueScope = tenantId === undefined ? {} : { tenantId };
    const [approvals, reports] = await Promise.all([
      deps.tools.approvals.list({ now: now(), status: 'pending', limit: statsLimits.queueCap, ...queueScope }),
      deps.reports.list({ status: 'open', limit: statsLimits.queueCap, ...queueScope }),
    ]);
    return {
      object: 'stats',
      tenant_id: tenantId ?? null,
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      bucket_seconds: bucketSeconds,
      events_scanned: scanned,
      max_events: query.max_events,
      capped,
      // Events are read newest first: when capped, nothing older than this was counted.
      covered_from: capped && oldest !== undefined ? oldest : from.toISOString(),
      queue: { pending_approvals: approvals.length, open_reports: reports.length, capped_at: statsLimits.queueCap },
      ...stats.result(),
    };
  });
}
