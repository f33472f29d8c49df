import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { switchScopes, type SwitchScope, type WireSwitch } from '../api/operations-wire.js';
import { ConfirmActDialog, type ConfirmAct } from '../components/confirm-act-dialog.js';
import { ErrorNote } from '../components/error-note.js';
import { emptyFlipDraft, flipBodyOf, FlipSwitchForm, plannedFlipOf, type FlipDraft } from '../components/flip-switch-form.js';
import { formatTime, plural } from '../components/format.js';
import { describeFlip } from '../components/operations-effects.js';
import { OperatorOnly } from '../components/operator-only.js';
import { RunbookPanel } from '../components/runbook-panel.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

const HISTORY_PAGE = 25;

const switchName = (record: { scope: SwitchScope; id: string }) => (record.scope === 'global' ? 'global (every request)' : `${record.scope} ${record.id}`);

function degradeText(record: WireSwitch): string {
  if (record.degrade === null) return '—';
  return [record.degrade.tools === 'disabled' ? 'tool calls refused' : '', record.degrade.policy === null ? '' : `policy ${record.degrade.policy.slice(0, 12)}`].filter((part) => part !== '').join('; ');
}

function StateBadge(props: { record: WireSwitch }) {
  const { record } = props;
  return (
    <>
      <span class={`badge switch-${record.effective_state}`}>{record.effective_state}</span>
      {record.state === record.effective_state ? null : <span class="muted"> ({record.state}, expired)</span>}
    </>
  );
}

function IncidentLink(props: { id: string | null }) {
  if (props.id === null) return <>—</>;
  return (
    <a href={pageUrl('incidents', { incident: props.id })}>
      <code>{props.id}</code>
    </a>
  );
}

function SwitchHistory(props: { generation: number }) {
  const { api } = useSession();
  const { query, route } = useLocation();
  const scope = switchScopes.includes(query.scope as SwitchScope) ? (query.scope as SwitchScope) : undefined;
  const id = scope === undefined || query.id === undefined || query.id === '' ? undefined : query.id;
  const [draft, setDraft] = useState({ scope: scope ?? '', id: id ?? '' });
  // The versions that start each page before the current one, so "Newer" goes back exactly.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  useEffect(() => setCursors([undefined]), [scope, id, props.generation]);
  const before = cursors.at(-1);
  const page = useAsync(() => api.switchHistory({ limit: HISTORY_PAGE, ...(scope === undefined ? {} : { scope }), ...(id === undefined ? {} : { id }), ...(before === undefined ? {} : { before }) }), [api, scope, id, before, props.generation]);
  const flips = page.value?.data ?? [];
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <form
        class="filters"
        aria-label="Filter the history"
        onSubmit={(event) => {
          event.preventDefault();
          route(pageUrl('switches', { scope: draft.scope, id: draft.scope === '' ? undefined : draft.id.trim() }), false);
        }}
      >
        <label class="field" for="history-scope">
          <span>Scope</span>
          <select id="history-scope" value={draft.scope} onChange={(event) => setDraft({ ...draft, scope: event.currentTarget.value })}>
            <option value="">Any</option>
            {switchScopes.map((candidate) => (
              <option key={candidate}>{candidate}</option>
            ))}
          </select>
        </label>
        <label class="field" for="history-id">
          <span>Id (needs a scope)</span>
          <input id="history-id" value={draft.id} disabled={draft.scope === ''} spellcheck={false} onInput={(event) => setDraft({ ...draft, id: event.currentTarget.value })} />
        </label>
        <div class="form-actions">
          <button type="submit">Show</button>
        </div>
      </form>
      {page.status === 'failed' ? <ErrorNote error={page.error} title="The history could not be loaded." /> : null}
      <div class="table-scroll">
        <table class="data">
          <caption class="muted">{page.status === 'loading' ? 'Loading…' : `${plural(flips.length, 'flip')} on this page, newest first${cursors.length > 1 ? ` (page ${cursors.length})` : ''}.`}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Switch</th>
              <th scope="col">State</th>
              <th scope="col">Tightening</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
              <th scope="col">Expires</th>
              <th scope="col">Incident</th>
            </tr>
          </thead>
          <tbody>
            {flips.map((flip) => (
              <tr key={flip.version}>
                <td title={flip.at}>{formatTime(flip.at)}</td>
                <td>{switchName(flip)}</td>
                <td>
                  <span class={`badge switch-${flip.state}`}>{flip.state}</span>
                </td>
                <td>{degradeText(flip)}</td>
                <td class="reason">{flip.reason}</td>
                <td>
                  <code>{flip.actor}</code>
                </td>
                <td>{formatTime(flip.expires_at)}</td>
                <td>
                  <IncidentLink id={flip.incident_id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <button type="button" disabled={page.value?.has_more !== true} onClick={() => setCursors([...cursors, flips.at(-1)?.version])}>
          Older →
        </button>
      </div>
    </section>
  );
}

function Switches() {
  const { api } = useSession();
  const switches = useAsync(() => api.listSwitches(), [api]);
  const options = useAsync(async () => {
    const [policies, incidents] = await Promise.all([api.listPolicies(), api.listIncidents({ status: 'open', limit: 100 })]);
    return { policies: [...new Set(policies.data.map((version) => version.name))], incidents: incidents.data.map((incident) => incident.id) };
  }, [api]);
  const [draft, setDraft] = useState<FlipDraft>(emptyFlipDraft);
  const [act, setAct] = useState<ConfirmAct | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const scopeField = useRef<HTMLSelectElement>(null);
  const records = [...(switches.value?.data ?? [])].sort((left, right) => Number(left.effective_state === 'on') - Number(right.effective_state === 'on') || right.version - left.version);
  const current = (scope: SwitchScope, id: string) => records.find((record) => record.scope === scope && record.id === (scope === 'global' ? '*' : id));
  const drain = records.find((record) => record.scope === 'global' && record.effective_state === 'off');

  const refresh = () => {
    switches.reload();
    setGeneration((value) => value + 1);
  };
  const done = (text: string) => {
    setMessage(text);
    refresh();
  };

  function review(flip: FlipDraft) {
    const planned = plannedFlipOf(flip);
    const now = current(planned.scope, planned.id);
    setAct({
      title: `Flip the ${planned.scope} switch ${planned.scope === 'global' ? '' : planned.id}`.trim(),
      summary: (
        <>
          <p>
            <strong>{describeFlip(planned)}</strong>
          </p>
          <p>
            Now: {now === undefined ? 'on (never flipped).' : `${now.effective_state}, since ${formatTime(now.at)} by ${now.actor} (“${now.reason}”).`}
            {flip.incident.trim() === '' ? '' : ` Recorded for incident ${flip.incident.trim()}.`}
          </p>
        </>
      ),
      confirmLabel: planned.state === 'off' ? 'Turn it off' : planned.state === 'degrade' ? 'Degrade it' : 'Turn it on',
      danger: planned.state !== 'on',
      reason: 'required',
      maxLength: 500,
      run: async (reason) => {
        const flipped = await api.flipSwitch(planned.scope, planned.id, flipBodyOf(flip, reason));
        return `The ${switchName(flipped)} switch was ${flipped.previous_state}, is now ${flipped.state}.`;
      },
    });
  }

  const board = switches.value;
  return (
    <section aria-labelledby="switches-heading">
      <div class="page-head">
        <h1 id="switches-heading">Switches</h1>
        <div class="toolbar">
          {board === undefined ? null : (
            <p class="muted board" title={`board version ${board.board.version}, store version ${board.version}`}>
              This replica enforces switch version {board.board.version}, read {formatTime(board.board.refreshed_at)}
              {board.board.version < board.version ? ` (the store is at ${board.version}: it catches up within a second)` : '; it is current.'}
            </p>
          )}
          <button type="button" onClick={refresh}>
            Refresh
          </button>
        </div>
      </div>
      <div role="status" aria-live="polite">
        {message === undefined ? null : <p class="note note-ok">{message}</p>}
      </div>
      {drain === undefined ? null : (
        <p class="note note-error">
          <strong>The deployment is draining:</strong> every new request gets 503 and /readyz answers 503, since {formatTime(drain.at)} by <code>{drain.actor}</code> (“{drain.reason}”).
        </p>
      )}
      {switches.status === 'failed' ? <ErrorNote error={switches.error} title="The switches could not be loaded." /> : null}
      <section aria-labelledby="board-heading">
        <h2 id="board-heading">Every switch flipped</h2>
        <div class="table-scroll">
          <table class="data" aria-describedby="board-note">
            <caption id="board-note" class="muted">
              {switches.status === 'loading' && board === undefined ? 'Loading…' : records.length === 0 ? 'No switch was ever flipped: everything is on.' : 'Those not on first; a switch never flipped is on.'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Switch</th>
                <th scope="col">State</th>
                <th scope="col">Tightening</th>
                <th scope="col">Reason</th>
                <th scope="col">Flipped</th>
                <th scope="col">Expires</th>
                <th scope="col">Incident</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <tr key={`${record.scope}/${record.id}`} class={record.effective_state === 'on' ? 'quiet' : undefined}>
                  <th scope="row">{switchName(record)}</th>
                  <td>
                    <StateBadge record={record} />
                  </td>
                  <td>{degradeText(record)}</td>
                  <td class="reason">{record.reason}</td>
                  <td>
                    {formatTime(record.at)} by <code>{record.actor}</code>
                  </td>
                  <td>{formatTime(record.expires_at)}</td>
                  <td>
                    <IncidentLink id={record.incident_id} />
                  </td>
                  <td class="actions">
                    <button
                      type="button"
                      class="small"
                      onClick={() => {
                        setDraft({ ...emptyFlipDraft, scope: record.scope, id: record.id, state: record.effective_state === 'off' ? 'on' : 'off' });
                        scopeField.current?.focus();
                      }}
                    >
                      Change…<span class="visually-hidden"> {switchName(record)}</span>
                    </button>
                    {record.effective_state === 'on' ? null : (
                      <button type="button" class="small" onClick={() => review({ ...emptyFlipDraft, scope: record.scope, id: record.id, state: 'on' })}>
                        Turn on…<span class="visually-hidden"> {switchName(record)}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <FlipSwitchForm draft={draft} onChange={setDraft} onReview={() => review(draft)} policyOptions={options.value?.policies ?? []} incidentOptions={options.value?.incidents ?? []} scopeRef={scopeField} />
      <RunbookPanel heading="Runbook" headingId="runbook-heading-section" draining={drain !== undefined} policyOptions={options.value?.policies ?? []} incidentOptions={options.value?.incidents ?? []} onDone={done} />
      <SwitchHistory generation={generation} />
      <ConfirmActDialog act={act} onClose={() => setAct(undefined)} onDone={done} />
    </section>
  );
}

/** Kill switches: every one and its state, flips with a reason and a confirmation, the runbook's moves, the history. */
export default function SwitchesPage() {
  const { whoami } = useSession();
  if (!whoami.operator) return <OperatorOnly title="Switches" headingId="switches-heading" what="Kill switches and the runbook’s moves" />;
  return <Switches />;
}
