import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { AdminApiError } from '../api/admin-api.js';
import type { PolicyVersion, Rollout } from '../api/operations-wire.js';
import { ConfirmActDialog, type ConfirmAct } from '../components/confirm-act-dialog.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { OperatorOnly } from '../components/operator-only.js';
import { PolicyVersionsTable, PolicyViewer, PushPolicyForm } from '../components/policy-versions.js';
import { RolloutMoves, StartRolloutForm } from '../components/rollout-controls.js';
import { RolloutReportView, type VersionName } from '../components/rollout-report.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

const statusLabels: Record<Rollout['status'], string> = { running: 'running', completed: 'completed', rolled_back: 'rolled back', aborted: 'aborted' };

function PastRolloutReport(props: { id: string; versionName: VersionName; generation: number }) {
  const { api } = useSession();
  const report = useAsync(() => api.getRollout(props.id), [api, props.id, props.generation]);
  return (
    <section class="card wide-card" aria-labelledby="past-report-heading">
      <h3 id="past-report-heading">Rollout {props.id}</h3>
      {report.status === 'failed' ? <ErrorNote error={report.error} title="The rollout could not be loaded." /> : null}
      {report.value === undefined ? <p class="muted">Loading…</p> : <RolloutReportView report={report.value} versionName={props.versionName} generation={props.generation} idPrefix="past" />}
    </section>
  );
}

function Policies() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const [generation, setGeneration] = useState(0);
  const [pastLimit, setPastLimit] = useState(10);
  const [act, setAct] = useState<ConfirmAct | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const list = useAsync(() => api.listPolicies(), [api, generation]);
  const current = useAsync(async () => {
    try {
      return { report: await api.getRollout('current'), at: new Date().toISOString() };
    } catch (error) {
      if (error instanceof AdminApiError && error.status === 404) return null;
      throw error;
    }
  }, [api, generation]);
  const past = useAsync(() => api.listRollouts(pastLimit), [api, pastLimit, generation]);
  const refresh = () => setGeneration((value) => value + 1);
  const done = (text: string) => {
    setMessage(text);
    refresh();
  };
  const versions = list.value?.data ?? [];
  const versionName: VersionName = (hash) => {
    const version = versions.find((candidate) => candidate.hash === hash);
    return version === undefined ? hash.slice(0, 12) : `${version.name} (${hash.slice(0, 8)})`;
  };
  const go = (changes: { version?: string; against?: string; rollout?: string }) => route(pageUrl('policies', { version: query.version, against: query.against, rollout: query.rollout, ...changes }), true);
  const activeHash = list.value?.active?.hash;

  const activate = (version: PolicyVersion) =>
    setAct({
      title: `Activate ${version.name}`,
      summary: (
        <p>
          <strong>{versionName(version.hash)}</strong> will decide every request on every replica: this one at once, the others at their next read (about a second). It replaces {activeHash === undefined ? 'no active version' : versionName(activeHash)}.
        </p>
      ),
      confirmLabel: 'Activate it',
      reason: 'required',
      maxLength: 1024,
      run: async (reason) => {
        const result = await api.activatePolicy(version.hash, { reason });
        return result.changed ? `${versionName(version.hash)} is the active version.` : `${versionName(version.hash)} was the active version already.`;
      },
    });

  const running = current.value?.report;
  return (
    <section aria-labelledby="policies-heading">
      <div class="page-head">
        <h1 id="policies-heading">Policies and rollouts</h1>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </div>
      <div role="status" aria-live="polite">
        {message === undefined ? null : <p class="note note-ok">{message}</p>}
      </div>
      <section aria-labelledby="rollout-heading">
        <h2 id="rollout-heading">{running === undefined ? 'Rollout' : `Running rollout ${running.id}`}</h2>
        {current.status === 'failed' ? <ErrorNote error={current.error} title="The running rollout could not be loaded." /> : null}
        {running !== undefined ? (
          <>
            <p class="muted">
              <span class="badge status-pending">{running.mode}</span> at {running.percent} %; report as of {formatTime(current.value?.at)}. Refresh for newer numbers.
            </p>
            <RolloutMoves rollout={running} versionName={versionName} onReview={setAct} />
            <RolloutReportView report={running} versionName={versionName} generation={generation} idPrefix="running" />
          </>
        ) : current.value === null && list.value !== undefined ? (
          <>
            <p>
              No rollout is running: {activeHash === undefined ? 'no version is active yet.' : `${versionName(activeHash)} decides every request.`}
            </p>
            <StartRolloutForm versions={versions} versionName={versionName} activeHash={activeHash} onReview={setAct} />
          </>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </section>
      <section aria-labelledby="versions-heading">
        <h2 id="versions-heading">Policy versions</h2>
        {list.status === 'failed' ? <ErrorNote error={list.error} title="The versions could not be loaded." /> : null}
        {list.value === undefined ? null : <PolicyVersionsTable list={list.value} selected={query.version} versionName={versionName} onSelect={(hash) => go({ version: hash })} onActivate={activate} />}
        {list.value === undefined || query.version === undefined || query.version === '' ? null : <PolicyViewer selected={query.version} against={query.against} list={list.value} versionName={versionName} onAgainst={(hash) => go({ against: hash })} />}
        <PushPolicyForm
          activeHash={activeHash}
          onPushed={(hash, text) => {
            done(text);
            go({ version: hash, against: undefined });
          }}
        />
      </section>
      <section aria-labelledby="past-heading">
        <h2 id="past-heading">Past rollouts</h2>
        {past.status === 'failed' ? <ErrorNote error={past.error} title="The rollouts could not be loaded." /> : null}
        <div class="table-scroll">
          <table class="data">
            <caption class="muted">Newest first.</caption>
            <thead>
              <tr>
                <th scope="col">Rollout</th>
                <th scope="col">Candidate</th>
                <th scope="col">Baseline</th>
                <th scope="col">Mode</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Ended</th>
                <th scope="col">
                  <span class="visually-hidden">Report</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(past.value?.data ?? []).map((rollout) => (
                <tr key={rollout.id} class={rollout.id === query.rollout ? 'selected' : undefined}>
                  <th scope="row">
                    <code>{rollout.id}</code>
                  </th>
                  <td>{versionName(rollout.candidate)}</td>
                  <td>{versionName(rollout.baseline)}</td>
                  <td>{rollout.mode}</td>
                  <td>
                    <span class={`badge rollout-${rollout.status}`}>{statusLabels[rollout.status]}</span>
                    {rollout.status === 'running' ? ` at ${rollout.percent} %` : ''}
                  </td>
                  <td>{formatTime(rollout.started_at)}</td>
                  <td>{formatTime(rollout.ended_at)}</td>
                  <td>
                    <button type="button" class="small" aria-pressed={rollout.id === query.rollout} onClick={() => go({ rollout: rollout.id })}>
                      Report<span class="visually-hidden"> of {rollout.id}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {past.value?.has_more === true && pastLimit < 1000 ? (
          <button type="button" onClick={() => setPastLimit(Math.min(pastLimit + 20, 1000))}>
            Show more rollouts
          </button>
        ) : null}
        {query.rollout === undefined || query.rollout === '' ? null : <PastRolloutReport id={query.rollout} versionName={versionName} generation={generation} />}
      </section>
      <ConfirmActDialog act={act} onClose={() => setAct(undefined)} onDone={done} />
    </section>
  );
}

/** Policy versions (text, diff, push, activate) and staged rollouts (start, watch the shadow comparison and health, move, end). */
export default function PoliciesPage() {
  const { whoami } = useSession();
  if (!whoami.operator) return <OperatorOnly title="Policies and rollouts" headingId="policies-heading" what="Policy versions and rollouts" />;
  return <Policies />;
}
