import { useState } from 'preact/hooks';
import type { ArmWindow, HealthThresholds, Rollout, RolloutReport, ShadowSummary, ShadowVerdict } from '../api/operations-wire.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { formatCount, formatMs, formatTime } from './format.js';
import { useAsync } from './use-async.js';

/** A version as people know it: its name and the start of its hash. */
export type VersionName = (hash: string) => string;

const rate = (value: number) => `${(value * 100).toFixed(1)} %`;
const changeKinds: Record<string, string> = { start: 'started', advance: 'advanced', complete: 'completed', roll_back: 'rolled back', abort: 'aborted' };

export function RolloutFacts(props: { rollout: Rollout; versionName: VersionName }) {
  const { rollout } = props;
  return (
    <dl class="facts">
      <dt>Candidate</dt>
      <dd>{props.versionName(rollout.candidate)}</dd>
      <dt>Baseline</dt>
      <dd>{props.versionName(rollout.baseline)}</dd>
      <dt>Mode</dt>
      <dd>{rollout.mode === 'shadow' ? 'shadow: the candidate is checked beside the baseline and decides nothing' : 'enforce: the candidate decides its share of requests'}</dd>
      <dt>Share</dt>
      <dd>
        <progress max={100} value={rollout.percent} aria-label="Share of requests in the candidate’s arm" /> {rollout.percent} % of subjects, bucketed by {rollout.bucket_by.replace('_', ' ')}; stages{' '}
        {rollout.stages.map((stage, index) => (
          <span key={stage} class={stage === rollout.percent ? 'stage current' : 'stage'}>
            {index === 0 ? '' : ' → '}
            {stage} %
          </span>
        ))}
      </dd>
      <dt>Schedule</dt>
      <dd>{rollout.every_minutes === null ? 'advanced by hand' : `advances every ${rollout.every_minutes} minutes while healthy`}</dd>
      <dt>Started</dt>
      <dd>
        {formatTime(rollout.started_at)} by <code>{rollout.started_by}</code>
        {rollout.ended_at === null ? '' : `; ended ${formatTime(rollout.ended_at)}`}
      </dd>
    </dl>
  );
}

export function RolloutHistory(props: { rollout: Rollout }) {
  return (
    <table class="data compact">
      <caption class="muted">What happened to it, oldest first.</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          <th scope="col">Share</th>
          <th scope="col">By</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {props.rollout.history.map((change) => (
          <tr key={change.version}>
            <td>{formatTime(change.at)}</td>
            <td>{changeKinds[change.kind] ?? change.kind}</td>
            <td>
              {change.from_percent} % → {change.to_percent} %
            </td>
            <td>
              <code>{change.by}</code>
            </td>
            <td class="reason">{change.reason ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ShadowSummaryView(props: { summary: ShadowSummary; idPrefix: string }) {
  const { summary } = props;
  const points = (summary.candidate.block_rate - summary.active.block_rate) * 100;
  return (
    <section aria-labelledby={`${props.idPrefix}-shadow-heading`}>
      <h3 id={`${props.idPrefix}-shadow-heading`}>Shadow comparison</h3>
      <div class="tiles" role="group" aria-label="Shadow summary">
        <div class="tile">
          <span class="tile-label">Compared</span>
          <span class="tile-value">{formatCount(summary.compared)}</span>
          <span class="tile-detail">requests checked by both</span>
        </div>
        <div class="tile">
          <span class="tile-label">Disagreements</span>
          <span class="tile-value">{formatCount(summary.disagreements)}</span>
          <span class="tile-detail">{summary.compared === 0 ? '—' : rate(summary.disagreements / summary.compared)} of compared</span>
        </div>
        <div class="tile">
          <span class="tile-label">Block rate, active</span>
          <span class="tile-value">{rate(summary.active.block_rate)}</span>
          <span class="tile-detail">{formatCount(summary.active.blocked)} blocked</span>
        </div>
        <div class="tile">
          <span class="tile-label">Block rate, candidate</span>
          <span class="tile-value">{rate(summary.candidate.block_rate)}</span>
          <span class="tile-detail">
            {formatCount(summary.candidate.blocked)} blocked, {points >= 0 ? '+' : '−'}
            {Math.abs(points).toFixed(1)} points
          </span>
        </div>
      </div>
      {summary.counted_from === null ? null : <p class="muted">Counted from {formatTime(summary.counted_from)}.</p>}
      <div class="columns">
        <table class="data compact">
          <caption class="muted">Block rate by category (the categories either version blocked with)</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" class="number">
                Active
              </th>
              <th scope="col" class="number">
                Candidate
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.by_category.map((entry) => (
              <tr key={entry.category}>
                <th scope="row">{entry.category}</th>
                <td class="number">
                  {rate(entry.active.block_rate)} ({formatCount(entry.active.blocked)})
                </td>
                <td class="number">
                  {rate(entry.candidate.block_rate)} ({formatCount(entry.candidate.blocked)})
                </td>
              </tr>
            ))}
            {summary.by_category.length === 0 ? (
              <tr>
                <td colSpan={3} class="muted">
                  Neither version blocked anything yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
        <table class="data compact">
          <caption class="muted">Disagreements by decision (active → candidate)</caption>
          <thead>
            <tr>
              <th scope="col">Active → candidate</th>
              <th scope="col" class="number">
                Requests
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.by_actions.map((entry) => (
              <tr key={`${entry.active}-${entry.candidate}`}>
                <th scope="row">
                  <span class={`badge action-${entry.active}`}>{entry.active}</span> → <span class={`badge action-${entry.candidate}`}>{entry.candidate}</span>
                </th>
                <td class="number">{formatCount(entry.count)}</td>
              </tr>
            ))}
            {summary.by_actions.length === 0 ? (
              <tr>
                <td colSpan={2} class="muted">
                  No disagreement yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const limit = (value: number | null, unit: string) => (value === null ? 'off' : `${value}${unit}`);

export function HealthView(props: { replica: { active: ArmWindow; candidate: ArmWindow } | null; thresholds: HealthThresholds; idPrefix: string }) {
  const { replica, thresholds } = props;
  const rows: { label: string; value: (arm: ArmWindow) => string; threshold: string }[] = [
    { label: 'Requests', value: (arm) => formatCount(arm.requests), threshold: `at least ${thresholds.min_samples} per arm before the rates count` },
    { label: 'Block rate', value: (arm) => `${arm.block_rate_percent.toFixed(1)} %`, threshold: `candidate at most ${limit(thresholds.max_block_rate_increase_points, ' points')} above active` },
    { label: 'Detector errors', value: (arm) => `${arm.detector_error_percent.toFixed(1)} % (${formatCount(arm.detector_errors)})`, threshold: `candidate at most ${limit(thresholds.max_detector_error_percent, ' %')}` },
    { label: 'p99 detector latency', value: (arm) => formatMs(arm.p99_latency_ms), threshold: `candidate at most ${limit(thresholds.max_p99_latency_ms, ' ms')}` },
    { label: 'User reports', value: (arm) => formatCount(arm.user_reports), threshold: `candidate at most ${limit(thresholds.max_user_reports, '')}` },
  ];
  return (
    <section aria-labelledby={`${props.idPrefix}-health-heading`}>
      <h3 id={`${props.idPrefix}-health-heading`}>Health on this replica</h3>
      {replica === null ? <p class="muted">This replica keeps no health windows for this rollout (it has ended, or this replica has not picked it up yet).</p> : null}
      <table class="data compact">
        <caption class="muted">Sliding windows of {thresholds.window_seconds} s on the replica that answered; crossing a threshold rolls the rollout back by itself.</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" class="number">
              Active arm
            </th>
            <th scope="col" class="number">
              Candidate arm
            </th>
            <th scope="col">Roll-back threshold</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td class="number">{replica === null ? '—' : row.value(replica.active)}</td>
              <td class="number">{replica === null ? '—' : row.value(replica.candidate)}</td>
              <td>{row.threshold}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const verdict = (value: ShadowVerdict) => (
  <>
    <span class={`badge action-${value.action}`}>{value.action}</span> {value.categories.length === 0 ? '' : value.categories.join(', ')}
  </>
);

/** The kept disagreements, newest first; their text was redacted when recorded. */
export function Disagreements(props: { rolloutId: string; generation: number; idPrefix: string }) {
  const { api } = useSession();
  const [count, setCount] = useState(10);
  const page = useAsync(() => api.rolloutDisagreements(props.rolloutId, count), [api, props.rolloutId, count, props.generation]);
  const examples = page.value?.data ?? [];
  return (
    <section aria-labelledby={`${props.idPrefix}-disagreements-heading`}>
      <h3 id={`${props.idPrefix}-disagreements-heading`}>Disagreements</h3>
      {page.status === 'failed' ? <ErrorNote error={page.error} title="The disagreements could not be loaded." /> : null}
      {examples.length === 0 && page.status === 'ready' ? <p class="muted">None kept.</p> : null}
      {examples.length === 0 ? null : (
        <div class="table-scroll">
          <table class="data compact">
            <caption class="muted">The newest {examples.length}; the text is as recorded, redacted by both versions’ findings.</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Tenant</th>
                <th scope="col">Stage</th>
                <th scope="col">Active</th>
                <th scope="col">Candidate</th>
                <th scope="col">Text (redacted)</th>
              </tr>
            </thead>
            <tbody>
              {examples.map((example) => (
                <tr key={`${example.request_id}-${example.stage}`}>
                  <td>
                    <a href={pageUrl('audit', { request_id: example.request_id })} title={`request ${example.request_id} in the audit log`}>
                      {formatTime(example.at)}
                    </a>
                  </td>
                  <td>{example.tenant_id}</td>
                  <td>{example.stage}</td>
                  <td>{verdict(example.active)}</td>
                  <td>{verdict(example.candidate)}</td>
                  <td>{example.example === null ? <span class="muted">not kept (audit.content: none)</span> : <pre class="message-text example">{example.example}</pre>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.value?.has_more === true && count < 1000 ? (
        <button type="button" onClick={() => setCount(Math.min(count + 20, 1000))}>
          Show more disagreements
        </button>
      ) : null}
    </section>
  );
}

/** A rollout's whole report: facts, history, shadow comparison, health, disagreements. */
export function RolloutReportView(props: { report: RolloutReport; versionName: VersionName; generation: number; idPrefix: string }) {
  const { report } = props;
  return (
    <>
      <RolloutFacts rollout={report} versionName={props.versionName} />
      <ShadowSummaryView summary={report.report.shadow} idPrefix={props.idPrefix} />
      <HealthView replica={report.report.health.replica} thresholds={report.report.health.thresholds} idPrefix={props.idPrefix} />
      <Disagreements rolloutId={report.id} generation={props.generation} idPrefix={props.idPrefix} />
      <details>
        <summary>History ({report.history.length})</summary>
        <RolloutHistory rollout={report} />
      </details>
    </>
  );
}
