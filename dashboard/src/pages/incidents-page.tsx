import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { IncidentSeverity } from '../api/operations-wire.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime, plural } from '../components/format.js';
import { IncidentView, severityLabels } from '../components/incident-detail.js';
import { OperatorOnly } from '../components/operator-only.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

const PAGE_SIZE = 25;
const filters = [
  ['open', 'Open'],
  ['closed', 'Closed'],
  ['all', 'All'],
] as const;
type Filter = (typeof filters)[number][0];

function OpenIncidentForm(props: { onOpened: (id: string) => void }) {
  const { api } = useSession();
  const [severity, setSeverity] = useState<IncidentSeverity>(2);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <form
      class="filters"
      aria-labelledby="open-incident-heading"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          props.onOpened((await api.openIncident({ severity, title: title.trim() })).id);
        } catch (failure) {
          setError(failure);
          setBusy(false);
        }
      }}
    >
      <h2 id="open-incident-heading" class="form-title">
        Open an incident
      </h2>
      <label class="field" for="incident-severity">
        <span>Severity</span>
        <select id="incident-severity" value={severity} onChange={(event) => setSeverity(Number(event.currentTarget.value) as IncidentSeverity)}>
          {([1, 2, 3, 4] as const).map((value) => (
            <option key={value} value={value}>
              {severityLabels[value]}
            </option>
          ))}
        </select>
      </label>
      <label class="field wide" for="incident-title">
        <span>Title (one line)</span>
        <input id="incident-title" value={title} maxLength={200} required onInput={(event) => setTitle(event.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || title.trim() === ''}>
          Open the incident
        </button>
      </div>
      {error === undefined ? null : <ErrorNote error={error} />}
    </form>
  );
}

function IncidentList() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const filter: Filter = filters.some(([value]) => value === query.status) ? (query.status as Filter) : 'open';
  // The `before` ids that start each page before the current one, so "Newer" goes back exactly.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => setCursors([undefined]), [filter]);
  const before = cursors.at(-1);
  const page = useAsync(() => api.listIncidents({ limit: PAGE_SIZE, ...(filter === 'all' ? {} : { status: filter }), ...(before === undefined ? {} : { before }) }), [api, filter, before]);
  const incidents = page.value?.data ?? [];
  return (
    <section aria-labelledby="incidents-heading">
      <div class="page-head">
        <h1 id="incidents-heading">Incidents</h1>
        <div class="segmented" role="group" aria-label="Show">
          {filters.map(([value, label]) => (
            <button key={value} type="button" aria-pressed={filter === value} onClick={() => route(pageUrl('incidents', { status: value }), true)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      <OpenIncidentForm onOpened={(id) => route(pageUrl('incidents', { incident: id }))} />
      {page.status === 'failed' ? <ErrorNote error={page.error} title="The incidents could not be loaded." /> : null}
      <div class="table-scroll">
        <table class="data">
          <caption class="muted">{page.status === 'loading' && page.value === undefined ? 'Loading…' : `${plural(incidents.length, `${filter === 'all' ? '' : `${filter} `}incident`)} on this page, newest first${cursors.length > 1 ? ` (page ${cursors.length})` : ''}.`}</caption>
          <thead>
            <tr>
              <th scope="col">Incident</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">Opened</th>
              <th scope="col">Closed</th>
            </tr>
          </thead>
          <tbody>
            {incidents.map((incident) => (
              <tr key={incident.id}>
                <th scope="row">
                  <a href={pageUrl('incidents', { incident: incident.id })}>{incident.title}</a> <code class="id">{incident.id}</code>
                </th>
                <td>
                  <span class={`badge severity-${incident.severity}`}>{severityLabels[incident.severity]}</span>
                </td>
                <td>
                  <span class={`badge status-${incident.status}`}>{incident.status}</span>
                </td>
                <td>
                  {formatTime(incident.opened_at)} by <code>{incident.opened_by}</code>
                </td>
                <td>{formatTime(incident.closed_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {incidents.length === 0 && page.status === 'ready' ? <p class="muted">{filter === 'open' ? 'No open incident.' : 'None.'}</p> : null}
      <div class="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <button type="button" disabled={page.value?.next_before === null || page.value === undefined} onClick={() => setCursors([...cursors, page.value?.next_before ?? undefined])}>
          Older →
        </button>
      </div>
    </section>
  );
}

/** Incidents: open ones and past ones, opening one, and each one's page (timeline, notes, runbook, close, export). */
export default function IncidentsPage() {
  const { whoami } = useSession();
  const { query } = useLocation();
  if (!whoami.operator) return <OperatorOnly title="Incidents" headingId="incidents-heading" what="Incidents, their timelines and the runbook’s moves" />;
  if (query.incident !== undefined && query.incident !== '') return <IncidentView id={query.incident} key={query.incident} />;
  return <IncidentList />;
}
