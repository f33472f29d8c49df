import { useState } from 'preact/hooks';
import type { IncidentDetail } from '../api/operations-wire.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';
import { ConfirmActDialog, type ConfirmAct } from './confirm-act-dialog.js';
import { saveFile } from './download-file.js';
import { ErrorNote, errorMessage } from './error-note.js';
import { formatTime, plural } from './format.js';
import { RunbookPanel } from './runbook-panel.js';
import { useAsync } from './use-async.js';

export const severityLabels: Record<number, string> = { 1: 'S1 critical', 2: 'S2 major', 3: 'S3 minor', 4: 'S4 low' };

function Timeline(props: { incident: IncidentDetail }) {
  const { timeline } = props.incident;
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <p class="muted">
        Read from the audit log: every operational event while the incident {props.incident.status === 'open' ? 'is' : 'was'} open, and every event naming it. {plural(timeline.total, 'event')}
        {timeline.cut === 'limit' ? '; only the oldest are shown.' : timeline.cut === 'scan-limit' ? '; the log was too long to read whole, the newest part is shown.' : '.'}
      </p>
      <ol class="timeline" aria-label="Timeline, oldest first">
        {timeline.entries.map((entry) => (
          <li key={entry.eventId} class="timeline-entry">
            <span class="timeline-time" title={entry.time}>
              {formatTime(entry.time)}
            </span>
            <span class="badge">{entry.type}</span>
            <span class="timeline-summary">{entry.summary}</span>
            <span class="muted timeline-who">
              {entry.actor === undefined ? '' : `by ${entry.actor}`}
              {entry.tenantId === undefined ? '' : ` · tenant ${entry.tenantId}`}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function NoteForm(props: { id: string; onNoted: (message: string) => void }) {
  const { api } = useSession();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <form
      aria-labelledby="note-heading"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await api.noteIncident(props.id, note.trim());
          setNote('');
          props.onNoted('Note added to the timeline.');
        } catch (failure) {
          setError(failure);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="note-heading">Add a note</h2>
      <label class="field wide" for="incident-note">
        <span>Note (an audit event: it cannot be edited later)</span>
        <textarea id="incident-note" rows={3} maxLength={4000} value={note} onInput={(event) => setNote(event.currentTarget.value)} />
      </label>
      {error === undefined ? null : <ErrorNote error={error} />}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || note.trim() === ''}>
          Add the note
        </button>
      </div>
    </form>
  );
}

/** One incident: its timeline, notes, the runbook's moves taken for it, closing and the export. */
export function IncidentView(props: { id: string }) {
  const { api } = useSession();
  const [generation, setGeneration] = useState(0);
  const detail = useAsync(() => api.getIncident(props.id), [api, props.id, generation]);
  const [act, setAct] = useState<ConfirmAct | undefined>(undefined);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const [exporting, setExporting] = useState(false);
  const done = (text: string) => {
    setMessage({ text, error: false });
    setGeneration((value) => value + 1);
  };
  const incident = detail.value;

  async function exportBundle() {
    setExporting(true);
    try {
      const file = await api.exportIncident(props.id);
      saveFile(file);
      setMessage({ text: `Exported ${file.filename}. Check it with: palisade audit verify --file ${file.filename}`, error: false });
    } catch (error) {
      setMessage({ text: errorMessage(error), error: true });
    } finally {
      setExporting(false);
    }
  }

  return (
    <section aria-labelledby="incident-heading">
      <p>
        <a href={pageUrl('incidents')}>← All incidents</a>
      </p>
      <div class="page-head">
        <h1 id="incident-heading">{incident === undefined ? `Incident ${props.id}` : `Incident: ${incident.title}`}</h1>
        <div class="toolbar">
          <button type="button" onClick={() => setGeneration((value) => value + 1)}>
            Refresh
          </button>
          <button type="button" onClick={() => void exportBundle()} disabled={exporting || incident === undefined}>
            {exporting ? 'Exporting…' : 'Export (JSON lines)'}
          </button>
        </div>
      </div>
      <div role="status" aria-live="polite">
        {message === undefined ? null : <p class={message.error ? 'note note-error' : 'note note-ok'}>{message.text}</p>}
      </div>
      {detail.status === 'failed' ? <ErrorNote error={detail.error} title="The incident could not be loaded." /> : null}
      {incident === undefined ? null : (
        <>
          <dl class="facts">
            <dt>Id</dt>
            <dd>
              <code>{incident.id}</code>
            </dd>
            <dt>Severity</dt>
            <dd>
              <span class={`badge severity-${incident.severity}`}>{severityLabels[incident.severity]}</span>
            </dd>
            <dt>Status</dt>
            <dd>
              <span class={`badge status-${incident.status}`}>{incident.status}</span>
            </dd>
            <dt>Opened</dt>
            <dd>
              {formatTime(incident.opened_at)} by <code>{incident.opened_by}</code>
            </dd>
            {incident.closed_at === null ? null : (
              <>
                <dt>Closed</dt>
                <dd>
                  {formatTime(incident.closed_at)} by <code>{incident.closed_by}</code>
                </dd>
                <dt>Resolution</dt>
                <dd class="reason">{incident.resolution}</dd>
              </>
            )}
          </dl>
          <div class="split">
            <div class="split-main">
              <Timeline incident={incident} />
            </div>
            <aside class="split-side" aria-label="Act on the incident">
              <NoteForm id={incident.id} onNoted={done} />
              <RunbookPanel heading="Runbook, for this incident" headingId="incident-runbook-heading" incidentId={incident.id} onDone={done} />
              {incident.status === 'open' ? (
                <section aria-labelledby="close-heading">
                  <h2 id="close-heading">Close</h2>
                  <button
                    type="button"
                    onClick={() =>
                      setAct({
                        title: 'Close the incident',
                        summary: <p>The incident closes now: its timeline stops taking in operational events (events naming it still join it). Write what happened and what was done.</p>,
                        confirmLabel: 'Close the incident',
                        reason: 'required',
                        reasonLabel: 'Resolution (required: what happened and what was done)',
                        maxLength: 4000,
                        run: async (resolution) => {
                          await api.closeIncident(incident.id, resolution);
                          return 'Incident closed.';
                        },
                      })
                    }
                  >
                    Close the incident…
                  </button>
                </section>
              ) : null}
            </aside>
          </div>
        </>
      )}
      <ConfirmActDialog act={act} onClose={() => setAct(undefined)} onDone={done} />
    </section>
  );
}
