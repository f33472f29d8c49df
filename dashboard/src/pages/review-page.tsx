import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { Approval, Report } from '../api/wire.js';
import { ApprovalDetail } from '../components/approval-detail.js';
import { ErrorNote, errorMessage } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { defaultExpect, ReportDetail, type ReportVerdict } from '../components/report-detail.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

const queues = {
  approvals: { label: 'Tool approvals', statuses: ['pending', 'approved', 'denied', 'expired'] },
  reports: { label: 'User reports', statuses: ['open', 'confirmed', 'dismissed'] },
} as const;
type QueueName = keyof typeof queues;

const shortcuts = [
  ['j or ↓', 'next item'],
  ['k or ↑', 'previous item'],
  ['a', 'approve the call / confirm the report'],
  ['d', 'deny the call / dismiss the report'],
  ['n', 'write the reason'],
  ['r', 'refresh the queue'],
  ['?', 'show or hide these keys'],
] as const;

/** Keys typed into a field are text, not commands. */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

type Item = { kind: 'approval'; value: Approval } | { kind: 'report'; value: Report };

/** Tool calls waiting for a person and users' reports, one queue at a time, made for the keyboard. */
export default function ReviewPage() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const queue: QueueName = query.queue === 'reports' ? 'reports' : 'approvals';
  const statuses: readonly string[] = queues[queue].statuses;
  const status = statuses.includes(query.status ?? '') ? (query.status as string) : (statuses[0] as string);
  const list = useAsync<Item[]>(async () => {
    if (queue === 'approvals') return (await api.listApprovals({ status, limit: 200 })).data.map((value) => ({ kind: 'approval' as const, value }));
    return (await api.listReports({ status, limit: 200 })).data.map((value) => ({ kind: 'report' as const, value }));
  }, [api, queue, status]);
  const items = list.value ?? [];
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [note, setNote] = useState('');
  const [verdict, setVerdict] = useState<ReportVerdict>({ note: '', expect: '', category: '' });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const [help, setHelp] = useState(false);
  const noteField = useRef<HTMLTextAreaElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const index = Math.max(0, items.findIndex((item) => item.value.id === selectedId));
  const selected: Item | undefined = items[index];

  useEffect(() => {
    setNote('');
    setVerdict({ note: '', expect: selected?.kind === 'report' ? defaultExpect(selected.value.kind) : '', category: '' });
  }, [selected?.value.id]);

  const select = (next: number) => {
    const item = items[Math.min(Math.max(next, 0), items.length - 1)];
    if (item === undefined) return;
    setSelectedId(item.value.id);
    listRef.current?.querySelector<HTMLButtonElement>(`[data-id="${CSS.escape(item.value.id)}"]`)?.focus();
  };

  async function decide(outcome: 'approve' | 'deny' | 'confirm' | 'dismiss') {
    if (selected === undefined || busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      if (selected.kind === 'approval') {
        if (selected.value.status !== 'pending' || (outcome !== 'approve' && outcome !== 'deny')) return;
        const decided = await api.decideApproval(selected.value.id, outcome, note);
        setMessage({ text: outcome === 'approve' ? `Approved ${decided.tool} (${decided.id}): the agent receives its token on its next poll.` : `Denied ${decided.tool} (${decided.id}).`, error: false });
      } else {
        if (selected.value.status !== 'open' || (outcome !== 'confirm' && outcome !== 'dismiss')) return;
        if (outcome === 'confirm') {
          const label = verdict.expect === '' ? undefined : { expect: verdict.expect, ...(verdict.category.trim() === '' ? {} : { category: verdict.category.trim() }) };
          await api.confirmReport(selected.value.id, { ...(verdict.note === '' ? {} : { note: verdict.note }), ...(label === undefined ? {} : { label }) });
        } else await api.dismissReport(selected.value.id, verdict.note);
        setMessage({ text: `Report ${selected.value.id} ${outcome === 'confirm' ? 'confirmed' : 'dismissed'}.`, error: false });
      }
      // The next item of the queue, once this one has left it.
      setSelectedId(items[index + 1]?.value.id ?? items[index - 1]?.value.id);
      list.reload();
    } catch (error) {
      setMessage({ text: errorMessage(error), error: true });
      list.reload();
    } finally {
      setBusy(false);
    }
  }

  // The shortcuts, rebuilt on every render; the one listener reads the latest, so a key pressed
  // right after typing acts on what was typed, not on a render that has not run its effects yet.
  const shortcutActions = useRef<Record<string, () => void>>({});
  shortcutActions.current = {
    j: () => select(index + 1),
    ArrowDown: () => select(index + 1),
    k: () => select(index - 1),
    ArrowUp: () => select(index - 1),
    a: () => void decide(selected?.kind === 'report' ? 'confirm' : 'approve'),
    d: () => void decide(selected?.kind === 'report' ? 'dismiss' : 'deny'),
    n: () => noteField.current?.focus(),
    r: () => list.reload(),
    '?': () => setHelp((shown) => !shown),
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event.target)) {
        if (event.key === 'Escape') (event.target as HTMLElement).blur();
        return;
      }
      const action = shortcutActions.current[event.key];
      if (action === undefined) return;
      event.preventDefault();
      action();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const go = (changes: { queue?: QueueName; status?: string }) => {
    setSelectedId(undefined);
    setMessage(undefined);
    route(pageUrl('review', { queue: changes.queue ?? queue, status: changes.status }), true);
  };

  return (
    <section aria-labelledby="review-heading">
      <div class="page-head">
        <h1 id="review-heading">Review queue</h1>
        <div class="toolbar">
          <div class="segmented" role="group" aria-label="Queue">
            {(Object.keys(queues) as QueueName[]).map((name) => (
              <button key={name} type="button" aria-pressed={name === queue} onClick={() => go({ queue: name })}>
                {queues[name].label}
              </button>
            ))}
          </div>
          <label class="field" for="review-status">
            <span>Status</span>
            <select id="review-status" value={status} onChange={(event) => go({ status: event.currentTarget.value })}>
              {statuses.map((candidate) => (
                <option key={candidate}>{candidate}</option>
              ))}
            </select>
          </label>
          <button type="button" onClick={list.reload} aria-keyshortcuts="r">
            Refresh
          </button>
          <button type="button" onClick={() => setHelp(!help)} aria-expanded={help} aria-controls="review-keys" aria-keyshortcuts="?">
            Keyboard
          </button>
        </div>
      </div>
      {help ? (
        <dl id="review-keys" class="keys">
          {shortcuts.map(([keys, meaning]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{meaning}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <div role="status" aria-live="polite">
        {message === undefined ? null : <p class={message.error ? 'note note-error' : 'note note-ok'}>{message.text}</p>}
      </div>
      {list.status === 'failed' ? <ErrorNote error={list.error} title="The queue could not be loaded." /> : null}
      <div class="split">
        <div class="split-list">
          <p class="muted">{list.status === 'loading' && list.value === undefined ? 'Loading…' : `${items.length} ${status}${items.length === 200 ? ' (the newest 200)' : ''}`}</p>
          <ul class="queue" ref={listRef} aria-label={`${queues[queue].label}, ${status}`}>
            {items.map((item, position) => (
              <li key={item.value.id}>
                <button type="button" data-id={item.value.id} class={position === index ? 'queue-item selected' : 'queue-item'} aria-current={position === index ? 'true' : undefined} onClick={() => setSelectedId(item.value.id)}>
                  {item.kind === 'approval' ? (
                    <>
                      <strong>{item.value.tool}</strong> <span class={`badge risk-${item.value.risk}`}>{item.value.risk}</span>
                      <span class="muted">
                        {item.value.tenant_id} · {formatTime(item.value.created_at)}
                      </span>
                    </>
                  ) : (
                    <>
                      <strong>{item.value.kind.replace('_', ' ')}</strong>
                      <span class="muted">
                        {item.value.tenant_id} · {formatTime(item.value.created_at)}
                      </span>
                    </>
                  )}
                </button>
              </li>
            ))}
          </ul>
          {items.length === 0 && list.status === 'ready' ? <p class="muted">Nothing here. {queue === 'approvals' && status === 'pending' ? 'No tool call is waiting for a person.' : ''}</p> : null}
        </div>
        <div class="split-side">
          {selected === undefined ? null : selected.kind === 'approval' ? (
            <ApprovalDetail approval={selected.value} note={note} onNote={setNote} onDecide={(decision) => void decide(decision)} busy={busy} noteRef={noteField} />
          ) : (
            <ReportDetail report={selected.value} verdict={verdict} onVerdict={setVerdict} onReview={(outcome) => void decide(outcome)} busy={busy} noteRef={noteField} />
          )}
        </div>
      </div>
    </section>
  );
}
