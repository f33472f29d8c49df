import { useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { Stats } from '../api/wire.js';
import { ErrorNote } from '../components/error-note.js';
import { formatCount, formatMs, formatPercent, formatShortTime, formatTime, plural } from '../components/format.js';
import { TenantSelect } from '../components/tenant-select.js';
import { palette, TimeChart, type Series } from '../components/time-chart.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

const ranges = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

/** The categories drawn one by one; the rest are summed as "other" so the chart stays readable. */
const maxCategorySeries = 6;

function Tile(props: { label: string; value: string; detail?: string; href?: string }) {
  return (
    <div class="tile">
      <span class="tile-label">{props.label}</span>
      <span class="tile-value">{props.href === undefined ? props.value : <a href={props.href}>{props.value}</a>}</span>
      {props.detail === undefined ? null : <span class="tile-detail">{props.detail}</span>}
    </div>
  );
}

function Charts(props: { stats: Stats; tenant: string }) {
  const { stats } = props;
  const labels = useMemo(() => stats.series.map((point) => formatShortTime(point.start)), [stats]);
  const traffic = useMemo<Series[]>(
    () => [
      { label: 'Delivered', values: stats.series.map((point) => point.requests - point.blocked), color: palette[0] },
      { label: 'Stopped by the policy', values: stats.series.map((point) => point.blocked), color: palette[1] },
    ],
    [stats],
  );
  const categories = useMemo<Series[]>(() => {
    const shown = stats.blocks_by_category.slice(0, maxCategorySeries).map((entry) => entry.category);
    const series: Series[] = shown.map((category) => ({ label: category, values: stats.series.map((point) => point.blocks_by_category[category] ?? 0) }));
    if (stats.blocks_by_category.length > maxCategorySeries) {
      series.push({ label: 'other', values: stats.series.map((point) => Object.entries(point.blocks_by_category).reduce((sum, [category, count]) => (shown.includes(category) ? sum : sum + count), 0)) });
    }
    return series;
  }, [stats]);
  const latency = useMemo<Series[]>(() => {
    const pick = (name: 'input_checks' | 'output_checks' | 'upstream', which: 'p50' | 'p99') => stats.series.map((point) => point.latency_ms[name][which]);
    return [
      { label: 'Input checks p50', values: pick('input_checks', 'p50'), color: palette[0] },
      { label: 'Input checks p99', values: pick('input_checks', 'p99'), color: palette[0], dashed: true },
      { label: 'Output checks p50', values: pick('output_checks', 'p50'), color: palette[3] },
      { label: 'Output checks p99', values: pick('output_checks', 'p99'), color: palette[3], dashed: true },
      { label: 'Upstream p50', values: pick('upstream', 'p50'), color: palette[2] },
      { label: 'Upstream p99', values: pick('upstream', 'p99'), color: palette[2], dashed: true },
    ];
  }, [stats]);
  const signals = useMemo<Series[]>(
    () => [
      { label: 'False-block reports', values: stats.series.map((point) => point.false_block_reports), color: palette[4] },
      { label: 'Tool calls denied', values: stats.series.map((point) => point.tool_denials), color: palette[6] },
    ],
    [stats],
  );
  const auditLink = (query: Record<string, string | undefined>) => pageUrl('audit', { from: stats.covered_from, to: stats.to, tenant: props.tenant || undefined, ...query });
  return (
    <>
      <div class="chart-grid">
        <TimeChart title="Requests" kind="bar" stacked labels={labels} series={traffic} description={`${stats.totals.requests} requests, ${stats.totals.blocked} stopped by the policy.`} />
        <TimeChart
          title="Stopped, by the category that decided"
          kind="bar"
          stacked
          labels={labels}
          series={categories}
          description={stats.blocks_by_category.length === 0 ? 'Nothing was stopped.' : stats.blocks_by_category.map((entry) => `${entry.category}: ${entry.count}`).join(', ')}
        />
        <TimeChart
          title="Latency of the guard stages and the upstreams"
          kind="line"
          unit="milliseconds"
          labels={labels}
          series={latency}
          description={`Input checks p50 ${formatMs(stats.latency_ms.input_checks.p50)}, p99 ${formatMs(stats.latency_ms.input_checks.p99)}; upstream p50 ${formatMs(stats.latency_ms.upstream.p50)}, p99 ${formatMs(stats.latency_ms.upstream.p99)}.`}
        />
        <TimeChart title="False-block reports and tool denials" kind="bar" labels={labels} series={signals} description={`${stats.totals.false_block_reports} false-block reports, ${stats.totals.tool_denials} tool calls denied.`} />
      </div>
      <div class="columns">
        <section aria-labelledby="categories-heading">
          <h2 id="categories-heading">Stopped by category</h2>
          {stats.blocks_by_category.length === 0 ? (
            <p class="muted">Nothing was stopped in this range.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Category</th>
                  <th scope="col" class="number">
                    Requests
                  </th>
                </tr>
              </thead>
              <tbody>
                {stats.blocks_by_category.map((entry) => (
                  <tr key={entry.category}>
                    <td>
                      <a href={auditLink({ category: entry.category, type: 'request' })}>{entry.category}</a>
                    </td>
                    <td class="number">{formatCount(entry.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="denials-heading">
          <h2 id="denials-heading">Tool calls denied</h2>
          {stats.tool_denials_by_tool.length === 0 ? (
            <p class="muted">No tool call was denied in this range.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Tool</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="number">
                    Calls
                  </th>
                </tr>
              </thead>
              <tbody>
                {stats.tool_denials_by_tool.map((entry) => (
                  <tr key={`${entry.tool}-${entry.reason}`}>
                    <td>
                      <code>{entry.tool}</code>
                    </td>
                    <td>{entry.reason}</td>
                    <td class="number">{formatCount(entry.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="upstreams-heading">
          <h2 id="upstreams-heading">Upstreams</h2>
          {stats.upstreams.length === 0 ? (
            <p class="muted">No request reached an upstream in this range.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col" class="number">
                    Requests
                  </th>
                  <th scope="col" class="number">
                    Errors
                  </th>
                  <th scope="col" class="number">
                    p50
                  </th>
                  <th scope="col" class="number">
                    p99
                  </th>
                </tr>
              </thead>
              <tbody>
                {stats.upstreams.map((entry) => (
                  <tr key={entry.provider}>
                    <td>
                      <code>{entry.provider}</code>
                    </td>
                    <td class="number">{formatCount(entry.requests)}</td>
                    <td class="number">{formatCount(entry.errors)}</td>
                    <td class="number">{formatMs(entry.p50_ms)}</td>
                    <td class="number">{formatMs(entry.p99_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}

/** Traffic, what the policy stopped and why, reports, tool denials and latency, from `GET /admin/v1/stats`. */
export default function OverviewPage() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const range = ranges.find((candidate) => candidate.id === query.range) ?? ranges[1];
  const tenant = query.tenant ?? '';
  const stats = useAsync(() => {
    const to = new Date();
    return api.stats({ from: new Date(to.getTime() - range.ms).toISOString(), to: to.toISOString(), ...(tenant === '' ? {} : { tenant_id: tenant }) });
  }, [api, range.id, tenant]);
  const set = (changes: Record<string, string | undefined>) => route(pageUrl('overview', { range: range.id, tenant, ...changes }), true);
  const value = stats.value;
  return (
    <section aria-labelledby="overview-heading">
      <div class="page-head">
        <h1 id="overview-heading">Overview</h1>
        <form class="toolbar" onSubmit={(event) => event.preventDefault()} aria-label="What to show">
          <label class="field" for="overview-range">
            <span>Time range</span>
            <select id="overview-range" value={range.id} onChange={(event) => set({ range: event.currentTarget.value })}>
              {ranges.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.label}
                </option>
              ))}
            </select>
          </label>
          <TenantSelect id="overview-tenant" value={tenant} allowAll onChange={(value) => set({ tenant: value })} />
          <button type="button" onClick={stats.reload} disabled={stats.status === 'loading'}>
            Refresh
          </button>
        </form>
      </div>
      {stats.status === 'failed' ? <ErrorNote error={stats.error} title="The numbers could not be loaded." /> : null}
      {value === undefined ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <p class="muted" role="status">
            {formatTime(value.covered_from)} to {formatTime(value.to)}, {value.tenant_id === null ? 'every tenant' : `tenant ${value.tenant_id}`}, in buckets of {value.bucket}; {plural(value.events_scanned, 'audit event')} read.
          </p>
          {value.capped ? (
            <p class="note note-warning" role="note">
              This range holds more than {formatCount(value.max_events)} audit events: only the newest were counted, back to {formatTime(value.covered_from)}. Choose a shorter range or one tenant for
              complete numbers.
            </p>
          ) : null}
          <div class="tiles" aria-label="Totals">
            <Tile label="Requests" value={formatCount(value.totals.requests)} detail={`${formatCount(value.totals.errors)} failed (5xx)`} />
            <Tile label="Stopped by the policy" value={formatCount(value.totals.blocked)} detail={formatPercent(value.totals.blocked, value.totals.requests)} />
            <Tile label="False-block reports" value={formatCount(value.totals.false_block_reports)} detail={`${plural(value.totals.reports, 'report')} in all`} />
            <Tile label="Tool calls denied" value={formatCount(value.totals.tool_denials)} detail={`of ${formatCount(value.totals.tool_calls)} proposed`} />
            <Tile label="Waiting for review" value={formatCount(value.queue.pending_approvals + value.queue.open_reports)} detail={`${plural(value.queue.pending_approvals, 'approval')}, ${plural(value.queue.open_reports, 'report')}`} href={pageUrl('review')} />
            <Tile label="Input checks" value={formatMs(value.latency_ms.input_checks.p50)} detail={`p50 · p99 ${formatMs(value.latency_ms.input_checks.p99)}`} />
            <Tile label="Output checks" value={formatMs(value.latency_ms.output_checks.p50)} detail={`p50 · p99 ${formatMs(value.latency_ms.output_checks.p99)}`} />
            <Tile label="Upstreams" value={formatMs(value.latency_ms.upstream.p50)} detail={`p50 · p99 ${formatMs(value.latency_ms.upstream.p99)}`} />
          </div>
          <Charts stats={value} tenant={tenant} />
        </>
      )}
    </section>
  );
}
