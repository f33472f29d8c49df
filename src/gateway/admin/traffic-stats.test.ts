import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../audit/audit-event.js';
import { createTrafficStats, percentiles } from './traffic-stats.js';

const from = new Date('2030-01-01T00:00:00.000Z');
const to = new Date('2030-01-01T01:00:00.000Z');
const at = (minutes: number) => new Date(from.getTime() + minutes * 60_000).toISOString();

function request(minutes: number, data: Record<string, unknown>, extra: Partial<AuditEvent> = {}): AuditEvent {
  return { id: `req-${minutes}-${Math.random()}`, type: 'request', time: at(minutes), action: 'allow', status: 200, data, ...extra };
}

const stage = (action: string, extra: Record<string, unknown> = {}) => ({ action, rules: [], findings: [], errors: [], limits: [], timings_ms: { total: 1 }, ...extra });

describe('createTrafficStats', () => {
  it('names the category that stopped a request as the metrics do: the finding, a closed failure, a limit, else the rule', () => {
    const stats = createTrafficStats({ from, to, bucketSeconds: 900 });
    stats.add(request(1, { input: stage('block', { findings: [{ category: 'pii.email', action: 'mask' }, { category: 'secrets.aws', action: 'block' }] }) }, { action: 'block' }));
    stats.add(request(2, { input: stage('block', { errors: [{ detector: 'toxicity', fail_mode: 'closed' }] }) }, { action: 'block' }));
    stats.add(request(3, { input: stage('block', { limits: [{ limit: 'max_chars', handling: 'block' }] }) }, { action: 'block' }));
    stats.add(request(20, { input: stage('allow'), output: stage('escalate', { rules: [{ id: 'review-finance', action: 'escalate' }] }) }, { action: 'escalate' }));
    stats.add(request(21, { input: stage('mask', { findings: [{ category: 'pii.email', action: 'mask' }] }) }, { action: 'mask' }));
    const result = stats.result();
    expect(result.totals).toMatchObject({ requests: 5, blocked: 4 });
    expect(result.blocks_by_category).toEqual([
      { category: 'detector_error', count: 1 },
      { category: 'limits', count: 1 },
      { category: 'review-finance', count: 1 },
      { category: 'secrets.aws', count: 1 },
    ]);
    expect(result.series.map((point) => point.blocked)).toEqual([3, 1, 0, 0]);
    expect(result.series[1]?.blocks_by_category).toEqual({ 'review-finance': 1 });
  });

  it('keeps buckets on UTC multiples of their size and ignores events outside the range', () => {
    const stats = createTrafficStats({ from: new Date(from.getTime() + 7 * 60_000), to: new Date(from.getTime() + 31 * 60_000), bucketSeconds: 900 });
    stats.add(request(5, {}));
    stats.add(request(8, {}));
    stats.add(request(30, {}));
    stats.add(request(31, {}));
    stats.add({ id: 'k', type: 'key-created', time: at(9), data: {} });
    const result = stats.result();
    expect(result.series.map((point) => [point.start, point.requests])).toEqual([
      [at(0), 1],
      [at(15), 0],
      [at(30), 1],
    ]);
    expect(result.totals.requests).toBe(2);
  });

  it('counts reports (false blocks apart), tool verdicts, latency per stage and per upstream', () => {
    const stats = createTrafficStats({ from, to, bucketSeconds: 3600 });
    for (let n = 1; n <= 100; n += 1) {
      stats.add(request(0, { input: stage('allow', { timings_ms: { total: n / 10 } }), upstream: { provider: n % 2 === 0 ? 'openai' : 'backup', ms: n, status: n === 100 ? 502 : 200 }, latency_ms: n + 1 }));
    }
    stats.add(request(1, { tool_calls: [{ tool: 'send_email', verdict: 'approval' }, { tool: 'format_disk', verdict: 'denied', reason: 'unlisted' }, { tool: 'format_disk', verdict: 'denied', reason: 'unlisted' }, { tool: 'search', verdict: 'allowed' }] }));
    stats.add({ id: 'r1', type: 'report-created', time: at(2), data: { kind: 'wrong_block' } });
    stats.add({ id: 'r2', type: 'report-created', time: at(3), data: { kind: 'bad_answer' } });
    // A reviewer's verdict on a held request is not a user's report.
    stats.add({ id: 'r3', type: 'report-created', time: at(3), data: { kind: 'wrong_block', filed_by: 'reviewer' } });
    const result = stats.result();
    expect(result.totals).toMatchObject({ requests: 101, tool_calls: 4, tool_denials: 2, tool_approvals: 1, reports: 2, false_block_reports: 1 });
    expect(result.tool_denials_by_tool).toEqual([{ tool: 'format_disk', reason: 'unlisted', count: 2 }]);
    expect(result.latency_ms.input_checks).toEqual({ count: 100, p50: 5, p99: 9.9 });
    expect(result.latency_ms.upstream).toEqual({ count: 100, p50: 50, p99: 99 });
    expect(result.latency_ms.request).toEqual({ count: 100, p50: 51, p99: 100 });
    expect(result.latency_ms.output_checks).toEqual({ count: 0, p50: null, p99: null });
    expect(result.upstreams).toEqual([
      { provider: 'backup', requests: 50, errors: 0, p50_ms: 49, p99_ms: 99 },
      { provider: 'openai', requests: 50, errors: 1, p50_ms: 50, p99_ms: 100 },
    ]);
    expect(result.series[0]).toMatchObject({ reports: 2, false_block_reports: 1, tool_denials: 2 });
  });

  it('survives events whose data is not what it expects', () => {
    const stats = createTrafficStats({ from, to, bucketSeconds: 3600 });
    stats.add(request(1, { input: 'not a stage', upstream: { ms: 'slow' } }));
    expect(stats.result().totals.requests).toBe(1);
    expect(percentiles([3])).toEqual({ count: 1, p50: 3, p99: 3 });
  });
});
