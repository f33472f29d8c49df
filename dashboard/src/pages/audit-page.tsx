import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { AuditEvent, AuditVerification } from '../api/wire.js';
import { ErrorNote } from '../components/error-note.js';
import { EventDetail } from '../components/event-detail.js';
import { formatTime, isoToLocalInput, localInputToIso, plural } from '../components/format.js';
import { TenantSelect } from '../components/tenant-select.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

/** The filters, as the page's query string names them (shareable; never a key). */
const filterNames = ['from', 'to', 'tenant', 'actor', 'type', 'action', 'category', 'request_id', 'limit'] as const;
type Filters = Partial<Record<(typeof filterNames)[number], string>>;

const eventTypes = ['request', 'key-created', 'key-revoked', 'key-rotated', 'key-updated', 'tenant-created', 'tenant-updated', 'approval-approved', 'approval-denied', 'report-created', 'report-confirmed', 'report-dismissed', 'retention-applied'];
const actions = ['allow', 'warn', 'mask', 'redact', 'require_approval', 'escalate', 'block'];
const knownCategories = ['prompt_injection', 'jailbreak', 'harmful_request', 'toxicity', 'indirect_injection', 'pii', 'secret', 'exfiltration', 'prompt_leak', 'custom'];

/** The chain check (operators only: the chains hold every tenant's events); its result shows under the page's heading. */
function useVerifyChain() {
  const { api } = useSession();
  const [state, setState] = useState<{ status: 'idle' } | { status: 'running' } | { status: 'done'; result: AuditVerification } | { status: 'failed'; error: unknown }>({ status: 'idle' });
  async function verify() {
    setState({ status: 'running' });
    try {
      setState({ status: 'done', result: await api.verifyAudit() });
    } catch (error) {
      setState({ status: 'failed', error });
    }
  }
  return { state, verify };
}

function VerifyResult(props: { state: ReturnType<typeof useVerifyChain>['state'] }) {
  const { state } = props;
  return (
    <div role="status" aria-live="polite" class="verify-result">
      {state.status === 'done' ? (
        state.result.ok ? (
          <p class="note note-ok">
            <strong>Chain intact.</strong> {plural(state.result.eventsChecked, 'event')} in {plural(state.result.writers, 'writer chain')} and {plural(state.result.anchorsChecked, 'anchor')} checked
            {state.result.unanchored.length === 0 ? '; every event is anchored.' : `; ${plural(state.result.unanchored.length, 'chain tail')} not anchored yet (written since the last anchor).`}
            {state.result.anchorHead === undefined ? null : (
              <>
                {' '}
                Last anchor: seq {state.result.anchorHead.seq}, <code>{state.result.anchorHead.hash.slice(0, 16)}…</code> (keep it elsewhere to detect later truncation).
              </>
            )}
          </p>
        ) : (
          <p class="note note-error">
            <strong>Chain broken:</strong> {state.result.firstProblem?.kind}
            {state.result.firstProblem?.writerId === undefined ? '' : ` in writer ${state.result.firstProblem.writerId}`}
            {state.result.firstProblem?.seq === undefined ? '' : ` at seq ${state.result.firstProblem.seq}`}
            {state.result.firstProblem?.eventId === undefined ? '' : ` (event ${state.result.firstProblem.eventId})`}: {state.result.firstProblem?.message}
          </p>
        )
      ) : null}
      {state.status === 'failed' ? <ErrorNote error={state.error} title="Verification failed to run." /> : null}
    </div>
  );
}

function FilterForm(props: { filters: Filters; onSearch: (filters: Filters) => void }) {
  const { whoami } = useSession();
  const [draft, setDraft] = useState<Filters>(props.filters);
  const filtersKey = JSON.stringify(props.filters);
  useEffect(() => setDraft(props.filters), [filtersKey]);
  const field = (name: keyof Filters) => ({
    id: `audit-${name}`,
    value: draft[name] ?? '',
    onInput: (event: { currentTarget: HTMLInputElement | HTMLSelectElement }) => setDraft({ ...draft, [name]: event.currentTarget.value }),
  });
  return (
    <form
      class="filters"
      aria-label="Search the audit log"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSearch(draft);
      }}
    >
      <label class="field" for="audit-from">
        <span>From</span>
        <input type="datetime-local" id="audit-from" value={isoToLocalInput(draft.from)} onInput={(event) => setDraft({ ...draft, from: localInputToIso(event.currentTarget.value) })} />
      </label>
      <label class="field" for="audit-to">
        <span>To</span>
        <input type="datetime-local" id="audit-to" value={isoToLocalInput(draft.to)} onInput={(event) => setDraft({ ...draft, to: localInputToIso(event.currentTarget.value) })} />
      </label>
      {whoami.operator ? <TenantSelect id="audit-tenant" value={draft.tenant ?? ''} allowAll onChange={(tenant) => setDraft({ ...draft, tenant })} /> : null}
      <label class="field" for="audit-actor">
        <span>Key id</span>
        <input {...field('actor')} placeholder="e.g. ab12cd34" spellcheck={false} />
      </label>
      <label class="field" for="audit-type">
        <span>Event type</span>
        <select {...field('type')}>
          <option value="">Any</option>
          {eventTypes.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </select>
      </label>
      <label class="field" for="audit-action">
        <span>Action</span>
        <select {...field('action')}>
          <option value="">Any</option>
          {actions.map((action) => (
            <option key={action}>{action}</option>
          ))}
        </select>
      </label>
      <label class="field" for="audit-category">
        <span>Category</span>
        <input {...field('category')} list="audit-categories" placeholder="e.g. pii or pii.email" spellcheck={false} />
        <datalist id="audit-categories">
          {knownCategories.map((category) => (
            <option key={category} value={category} />
          ))}
        </datalist>
      </label>
      <label class="field wide" for="audit-request_id">
        <span>Request id</span>
        <input {...field('request_id')} placeholder="x-palisade-request-id" spellcheck={false} />
      </label>
      <div class="form-actions">
        <button type="submit" class="primary">
          Search
        </button>
        <button type="button" onClick={() => props.onSearch({})}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** Search the audit log (server-side filters and keyset pages), read one event's decision, verify the chain. */
export default function AuditPage() {
  const { api, whoami } = useSession();
  const chain = useVerifyChain();
  const { query, route } = useLocation();
  const filters: Filters = Object.fromEntries(filterNames.flatMap((name) => (query[name] === undefined || query[name] === '' ? [] : [[name, query[name]]])));
  const key = JSON.stringify(filters);
  // Cursors of the pages before the current one, so "Newer" goes back exactly.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<AuditEvent | undefined>(undefined);
  useEffect(() => {
    setCursors([undefined]);
    setSelected(undefined);
  }, [key]);
  const cursor = cursors.at(-1);
  const page = useAsync(() => {
    const { tenant, ...rest } = filters;
    return api.auditEvents({ ...rest, limit: filters.limit ?? 50, ...(tenant === undefined ? {} : { tenant_id: tenant }), ...(cursor === undefined ? {} : { cursor }) });
  }, [api, key, cursor]);
  const search = (next: Filters) => route(pageUrl('audit', next), false);
  const events = page.value?.data ?? [];
  return (
    <section aria-labelledby="audit-heading">
      <div class="page-head">
        <h1 id="audit-heading">Audit</h1>
        {whoami.operator ? (
          <button type="button" onClick={() => void chain.verify()} disabled={chain.state.status === 'running'}>
            {chain.state.status === 'running' ? 'Verifying…' : 'Verify the chain'}
          </button>
        ) : (
          <p class="muted">Verifying the hash chain needs an operator key: the chains hold every tenant’s events.</p>
        )}
      </div>
      <VerifyResult state={chain.state} />
      <FilterForm filters={filters} onSearch={search} />
      {page.status === 'failed' ? <ErrorNote error={page.error} title="The search failed." /> : null}
      <div class="split">
        <div class="split-main">
          <div class="table-scroll">
            <table class="data events" aria-describedby="audit-status">
              <caption id="audit-status" class="muted">
                {page.status === 'loading' ? 'Loading…' : `${plural(events.length, 'event')} on this page, newest first${cursors.length > 1 ? ` (page ${cursors.length})` : ''}.`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Type</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">Key</th>
                  <th scope="col">Action</th>
                  <th scope="col">Status</th>
                  <th scope="col">Event</th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <tr key={`${event.writer_id}-${event.seq}`} class={selected?.id === event.id && selected.seq === event.seq ? 'selected' : undefined}>
                    <td title={event.time}>{formatTime(event.time)}</td>
                    <td>{event.type}</td>
                    <td>{event.tenantId ?? '—'}</td>
                    <td>
                      <code>{event.actor ?? '—'}</code>
                    </td>
                    <td>{event.action === undefined ? '—' : <span class={`badge action-${event.action}`}>{event.action}</span>}</td>
                    <td>{event.status ?? '—'}</td>
                    <td>
                      <button type="button" class="link" onClick={() => setSelected(event)} aria-label={`Show ${event.type} ${event.id}`}>
                        {event.id.length > 14 ? `${event.id.slice(0, 13)}…` : event.id}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {events.length === 0 && page.status === 'ready' ? <p class="muted">No event matches these filters.</p> : null}
          <div class="pager">
            <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Newer
            </button>
            <button type="button" disabled={page.value?.next_cursor === null || page.value === undefined} onClick={() => setCursors([...cursors, page.value?.next_cursor ?? undefined])}>
              Older →
            </button>
          </div>
        </div>
        <aside class="split-side" aria-label="Selected event">
          {selected === undefined ? <p class="muted">Choose an event to see what it records and, for a request, why the gateway decided as it did.</p> : <EventDetail event={selected} headingLevel={2} />}
        </aside>
      </div>
    </section>
  );
}
