import { z } from 'zod';
import type { AuditEvent } from '../../audit/audit-event.js';
import { actions, isDelivered } from '../../core/action.js';

/**
 * Traffic figures for the console's overview, computed from audit events: requests, requests
 * the policy stopped (by the category that decided), user reports, tool-call verdicts, and the
 * p50/p99 time of the input checks, the output checks and the upstreams. Pure: the route feeds
 * it the events it read, so the same numbers come from every audit backend.
 */

/** The bucket sizes a caller may ask for: a closed list keeps the series' length predictable. */
export const statsBucketSeconds = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21_600, '1d': 86_400 } as const;
export type StatsBucket = keyof typeof statsBucketSeconds;
export const statsBuckets = Object.keys(statsBucketSeconds) as StatsBucket[];

/** The fields of a request event's stage record (`audit-record.ts`) read here; the rest is ignored. */
const stageSchema = z
  .object({
    action: z.enum(actions).optional(),
    rules: z.array(z.object({ id: z.string(), action: z.string().optional() }).loose()).optional(),
    findings: z.array(z.object({ category: z.string(), action: z.string().optional() }).loose()).optional(),
    errors: z.array(z.object({ fail_mode: z.string().optional() }).loose()).optional(),
    limits: z.array(z.object({ handling: z.string().optional() }).loose()).optional(),
    timings_ms: z.object({ total: z.number() }).loose().optional(),
  })
  .loose();
type StageRecord = z.output<typeof stageSchema>;

const requestDataSchema = z
  .object({
    input: stageSchema.optional(),
    output: stageSchema.optional(),
    upstream: z.object({ provider: z.string(), ms: z.number(), status: z.number().nullable().optional() }).loose().optional(),
    tool_calls: z.array(z.object({ tool: z.string(), verdict: z.string(), reason: z.string().optional() }).loose()).optional(),
    latency_ms: z.number().optional(),
  })
  .loose();

const reportDataSchema = z.object({ kind: z.string() }).loose();

export interface Percentiles {
  count: number;
  p50: number | null;
  p99: number | null;
}

export interface StatsSeriesPoint {
  start: string;
  requests: number;
  blocked: number;
  blocks_by_category: Record<string, number>;
  tool_denials: number;
  reports: number;
  false_block_reports: number;
  latency_ms: { input_checks: Percentiles; output_checks: Percentiles; upstream: Percentiles };
}

export interface TrafficStats {
  totals: { requests: number; blocked: number; errors: number; tool_calls: number; tool_denials: number; tool_approvals: number; reports: number; false_block_reports: number };
  blocks_by_category: { category: string; count: number }[];
  tool_denials_by_tool: { tool: string; reason: string; count: number }[];
  latency_ms: { input_checks: Percentiles; output_checks: Percentiles; upstream: Percentiles; request: Percentiles };
  upstreams: { provider: string; requests: number; errors: number; p50_ms: number | null; p99_ms: number | null }[];
  series: StatsSeriesPoint[];
}

interface Bucket {
  requests: number;
  blocked: number;
  categories: Map<string, number>;
  toolDenials: number;
  reports: number;
  falseBlockReports: number;
  input: number[];
  output: number[];
  upstream: number[];
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** Nearest-rank percentiles over the samples (sorted here). */
export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: null, p99: null };
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (p: number) => round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99) };
}

/**
 * The category that stopped a stage, as `palisade_blocks_total` names it: the first finding the
 * stopping action came from; `detector_error` for a fail-closed detector; `limits` for a size limit.
 */
function stoppingCategory(stage: StageRecord): string {
  const finding = stage.findings?.find((candidate) => candidate.action === stage.action);
  if (finding !== undefined) return finding.category;
  if (stage.errors?.some((error) => error.fail_mode === 'closed')) return 'detector_error';
  if (stage.limits?.some((limit) => limit.handling === 'block')) return 'limits';
  return stage.rules?.find((rule) => rule.action === stage.action)?.id ?? 'unknown';
}

const stopped = (stage: StageRecord | undefined): stage is StageRecord & { action: NonNullable<StageRecord['action']> } => stage?.action !== undefined && !isDelivered(stage.action);

const emptyBucket = (): Bucket => ({ requests: 0, blocked: 0, categories: new Map(), toolDenials: 0, reports: 0, falseBlockReports: 0, input: [], output: [], upstream: [] });

const increment = <Key>(map: Map<Key, number>, key: Key): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** Collects events of [from, to) into buckets of `bucketSeconds` aligned on UTC multiples of that size. */
export function createTrafficStats(options: { from: Date; to: Date; bucketSeconds: number }) {
  const bucketMs = options.bucketSeconds * 1000;
  const first = Math.floor(options.from.getTime() / bucketMs) * bucketMs;
  const buckets: Bucket[] = Array.from({ length: Math.max(1, Math.ceil((options.to.getTime() - first) / bucketMs)) }, emptyBucket);
  const categories = new Map<string, number>();
  const denials = new Map<string, { tool: string; reason: string; count: number }>();
  const upstreams = new Map<string, { samples: number[]; errors: number }>();
  const requestLatency: number[] = [];
  const totals = { requests: 0, blocked: 0, errors: 0, tool_calls: 0, tool_denials: 0, tool_approvals: 0, reports: 0, false_block_reports: 0 };

  function addRequest(event: AuditEvent, bucket: Bucket): void {
    const parsed = requestDataSchema.safeParse(event.data);
    const data = parsed.success ? parsed.data : {};
    totals.requests += 1;
    bucket.requests += 1;
    if ((event.status ?? 0) >= 500) totals.errors += 1;
    const stopping = stopped(data.input) ? data.input : stopped(data.output) ? data.output : undefined;
    if (stopping !== undefined) {
      const category = stoppingCategory(stopping);
      totals.blocked += 1;
      bucket.blocked += 1;
      increment(categories, category);
      increment(bucket.categories, category);
    }
    if (data.input?.timings_ms !== undefined) bucket.input.push(data.input.timings_ms.total);
    if (data.output?.timings_ms !== undefined) bucket.output.push(data.output.timings_ms.total);
    if (data.latency_ms !== undefined) requestLatency.push(data.latency_ms);
    if (data.upstream !== undefined) {
      bucket.upstream.push(data.upstream.ms);
      const provider = upstreams.get(data.upstream.provider) ?? { samples: [], errors: 0 };
      provider.samples.push(data.upstream.ms);
      if (data.upstream.status === null || (data.upstream.status ?? 0) >= 500) provider.errors += 1;
      upstreams.set(data.upstream.provider, provider);
    }
    for (const call of data.tool_calls ?? []) {
      totals.tool_calls += 1;
      if (call.verdict === 'approval') totals.tool_approvals += 1;
      if (call.verdict !== 'denied') continue;
      totals.tool_denials += 1;
      bucket.toolDenials += 1;
      const reason = call.reason ?? 'unknown';
      const key = `${call.tool}\u0000${reason}`;
      const entry = denials.get(key) ?? { tool: call.tool, reason, count: 0 };
      entry.count += 1;
      denials.set(key, entry);
    }
  }

  return {
    /** Counts one event; events outside [from, to) and of other types are ignored. */
    add(event: AuditEvent): void {
      const time = Date.parse(event.time);
      if (!(time >= options.from.getTime() && time < options.to.getTime())) return;
      const bucket = buckets[Math.floor((time - first) / bucketMs)];
      if (bucket === undefined) return;
      if (event.type === 'request') addRequest(event, bucket);
      // Users' reports only: a reviewer's verdict on a held request (`filed_by: reviewer`) is not a user saying something went wrong.
      else if (event.type === 'report-created' && event.data.filed_by !== 'reviewer') {
        const report = reportDataSchema.safeParse(event.data);
        totals.reports += 1;
        bucket.reports += 1;
        if (report.success && report.data.kind === 'wrong_block') {
          totals.false_block_reports += 1;
          bucket.falseBlockReports += 1;
        }
      }
    },

    result(): TrafficStats {
      const all = (pick: (bucket: Bucket) => number[]) => buckets.flatMap(pick);
      return {
        totals: { ...totals },
        blocks_by_category: [...categories].map(([category, count]) => ({ category, count })).sort((left, right) => right.count - left.count || left.category.localeCompare(right.category)),
        tool_denials_by_tool: [...denials.values()].sort((left, right) => right.count - left.count || left.tool.localeCompare(right.tool)),
        latency_ms: { input_checks: percentiles(all((bucket) => bucket.input)), output_checks: percentiles(all((bucket) => bucket.output)), upstream: percentiles(all((bucket) => bucket.upstream)), request: percentiles(requestLatency) },
        upstreams: [...upstreams]
          .map(([provider, entry]) => {
            const figures = percentiles(entry.samples);
            return { provider, requests: figures.count, errors: entry.errors, p50_ms: figures.p50, p99_ms: figures.p99 };
          })
          .sort((left, right) => right.requests - left.requests || left.provider.localeCompare(right.provider)),
        series: buckets.map((bucket, index) => ({
          start: new Date(first + index * bucketMs).toISOString(),
          requests: bucket.requests,
          blocked: bucket.blocked,
          blocks_by_category: Object.fromEntries(bucket.categories),
          tool_denials: bucket.toolDenials,
          reports: bucket.reports,
          false_block_reports: bucket.falseBlockReports,
          latency_ms: { input_checks: percentiles(bucket.input), output_checks: percentiles(bucket.output), upstream: percentiles(bucket.upstream) },
        })),
      };
    },
  };
}
