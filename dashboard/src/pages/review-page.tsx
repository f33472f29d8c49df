import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { Approval, AuditEvent, Report } from '../api/wire.js';
import { ApprovalDetail } from '../components/approval-detail.js';
import { ErrorNote, errorMessage } from '../components/error-note.js';
import { EscalationDetail, heldCategory, useReviewerVerdicts, type HeldForm, type HeldVerdict } from '../components/escalation-detail.js';
import { formatTime } from '../components/format.js';
import { defaultExpect, ReportDetail, type ReportVerdict } from '../components/report-detail.js';
import { useAsync } from '../components/use-async.js';
import { useHeldRequests } from '../components/use-held-requests.js';
import { actionVerb } from '../explain/explain-decision.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

/** The queues; escalations have no status: a held request stays held, a verdict is shown on it. */
const queues = {
  approvals: { label: 'Tool approvals', statuses: ['pending', 'approved', 'denied', 'expired'], a: 'approve the call', d: 'deny the call' },
  reports: { label: 'User reports', statuses: ['open', 'confirmed', 'dismissed'], a: 'confirm the report: Palisade got it wrong', d: 'dismiss the report: Palisade was right' },
  escalations: { label: 'Escalations', statuses: [], a: 'should have been delivered (confirmed as a wrong block)', d: 'right to hold (confirmed as rightly stopped)' },
} as const;
type QueueName = keyof typeof queues;
const queueNames = Object.keys(queues) as QueueName[];

function shortcuts(queue: QueueName): [string, string][] {
  return [
    ['j or ↓', 'next item'],
    ['k or ↑', 'previous item'],
    ['a', queues[queue].a],
    ['d', queues[queue].d],
    ['n', 'write the reason'],
    ['r', 'refresh the queue'],
    ['?', 'show or hide these keys'],
  ];
}

/** Keys typed into a field are text, not commands. */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

type Item = { kind: 'approval'; value: Approval } | { kind: 'report'; value: Report } | { kind: 'escalation'; value: AuditEvent };
type Outcome = 'approve' | 'deny' | 'confirm' | 'dismiss' | HeldVerdict;
/** What `a` and `d` do for each kind of item. */
const keyOutcomes: Record<Item['kind'], { a: Outcome; d: Outcome }> = { approval: { a: 'approve', d: 'deny' }, report: { a: 'confirm', d: 'dismiss' }, escalation: { a: 'deliver', d: 'hold' } };

/** Tool calls waiting for a person, users' reports and requests the policy held, one queue at a time, made for the keyboard. */
export default function ReviewPage() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const queue: QueueName = queueNames.find((name) => name === query.queue) ?? 'approvals';
  const statuses: readonly string[] = queues[queue].statuses;
  const status = statuses.includes(query.status ?? '') ? query.status : statuses[0];
  const list = useAsync<Item[]>(async () => {
    if (queue === 'approvals') return (await api.listApprovals({ status, limit: 200 })).data.map((value) => ({ kind: 'approval' as const, value }));
    if (queue === 'reports') return (await api.listReports({ status, limit: 200 })).data.map((value) => ({ kind: 'report' as const, value }));
    return [];
  }, [api, queue, status]);
  // Escalations come from the audit log, paged with its cursors rather than as one list.
  const held = useHeldRequests(api, queue === 'escalations');
  const escalations = queue === 'escalations';
  const items: Item[] = escalations ? held.events.map((value) => ({ kind: 'escalation' as const, value })) : (list.value ?? []);
  const listStatus = escalations ? held.status : list.status;
  const listError = escalations ? held.error : list.status === 'failed' ? list.error : undefined;
  const reload = escalations ? held.reload : list.reload;
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [note, setNote] = useState('');
  const [verdict, setVerdict] = useState<ReportVerdict>({ note: '', expect: '', category: '' });
  const [heldForm, setHeldForm] = useState<HeldForm>({ note: '', category: '' });
  /** Bumped after a verdict, so the item's verdicts are read again. */
  const [verdictVersion, setVerdictVersion] = useState(0);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const [help, setHelp] = useState(false);
  const noteField = useRef<HTMLTextAreaElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const index = Math.max(0, items.findIndex((item) => item.value.id === selectedId));
  const selected: Item | undefined = items[index];
  const verdicts = useReviewerVerdicts(selected?.kind === 'escalation' ? selected.value.id : undefined, verdictVersion);

  useEffect(() => {
    setNote('');
    setVerdict({ note: '', expect: selected?.kind === 'report' ? defaultExpect(selected.value.kind) : '', category: '' });
    setHeldForm({ note: '', category: selected?.kind === 'escalation' ? heldCategory(selected.value) : '' });
  }, [selected?.value.id]);

  const select = (next: number) => {
    const item = items[Math.min(Math.max(next, 0), items.length - 1)];
    if (item === undefined) return;
    setSelectedId(item.value.id);
    listRef.current?.querySelector<HTMLButtonElement>(`[data-id="${CSS.escape(item.value.id)}"]`)?.focus();
  };

  async function decide(outcome: Outcome) {
    if (selected === undefined || busy) return;
    if (selected.kind === 'escalation') {
      // Already judged (by anyone), or its verdicts not read yet: nothing to file.
      if (verdicts.status !== 'ready' || verdicts.value.length > 0) return;
      if (heldForm.note.trim() === '') {
        setMessage({ text: 'A verdict needs a reason: press n to write it.', error: true });
        return;
      }
    }
    setBusy(true);
    setMessage(undefined);
    try {
      if (selected.kind === 'approval') {
        if (selected.value.status !== 'pending' || (outcome !== 'approve' && outcome !== 'deny')) return;
        const decided = await api.decideApproval(selected.value.id, outcome, note);
        setMessage({ text: outcome === 'approve' ? `Approved ${decided.tool} (${decided.id}): the agent receives its token on its next poll.` : `Denied ${decided.tool} (${decided.id}).`, error: false });
      } else if (selected.kind === 'escalation') {
        if (outcome !== 'deliver' && outcome !== 'hold') return;
        const category = heldForm.category.trim();
        const label = { expect: outcome === 'deliver' ? ('allowed' as const) : ('blocked' as const), ...(category === '' ? {} : { category }) };
        const filed = await api.fileReport({ request_id: selected.value.id, kind: outcome === 'deliver' ? 'wrong_block' : 'other', note: heldForm.note, confirm: label });
        setMessage({ text: `${outcome === 'deliver' ? 'Should have been delivered' : 'Right to hold'}: report ${filed.id} ${filed.status}.`, error: false });
        setVerdictVersion((version) => version + 1);
        // The request stays in the queue, now with its verdict; move on to the next one.
        setSelectedId(items[index + 1]?.value.id ?? selected.value.id);
        return;
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
      if (selected.kind === 'escalation') setVerdictVersion((version) => version + 1);
      else list.reload();
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
    a: () => void (selected === undefined ? undefined : decide(keyOutcomes[selected.kind].a)),
    d: () => void (selected === undefined ? undefined : decide(keyOutcomes[selected.kind].d)),
    n: () => noteField.current?.focus(),
    r: () => reload(),
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
            {queueNames.map((name) => (
              <button key={name} type="button" aria-pressed={name === queue} onClick={() => go({ queue: name })}>
                {queues[name].label}
              </button>
            ))}
          </div>
          {status === undefined ? null : (
            <label class="field" for="review-status">
              <span>Status</span>
              <select id="review-status" value={status} onChange={(event) => go({ status: event.currentTarget.value })}>
                {statuses.map((candidate) => (
                  <option key={candidate}>{candidate}</option>
                ))}
              </select>
            </label>
          )}
          <button type="button" onClick={reload} aria-keyshortcuts="r">
            Refresh
          </button>
          <button type="button" onClick={() => setHelp(!help)} aria-expanded={help} aria-controls="review-keys" aria-keyshortcuts="?">
            Keyboard
          </button>
        </div>
      </div>
      {help ? (
        <dl id="review-keys" class="keys">
          {shortcuts(queue).map(([keys, meaning]) => (
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
      {listStatus === 'failed' ? <ErrorNote error={listError} title="The queue could not be loaded." /> : null}
      <div class="split">
        <div class="split-list">
          <p class="muted">
            {listStatus === 'loading' && items.length === 0 ? 'Loading…' : status === undefined ? `${items.length} held for a person, newest first` : `${items.length} ${status}${items.length === 200 ? ' (the newest 200)' : ''}`}
          </p>
          <ul class="queue" ref={listRef} aria-label={status === undefined ? queues[queue].label : `${queues[queue].label}, ${status}`}>
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
                  ) : item.kind === 'report' ? (
                    <>
                      <strong>{item.value.kind.replace('_', ' ')}</strong>
                      <span class="muted">
                        {item.value.tenant_id} · {formatTime(item.value.created_at)}
                      </span>
                    </>
                  ) : (
                    <>
                      <strong>{heldCategory(item.value) || actionVerb(item.value.action ?? 'escalate')}</strong> <span class={`badge action-${item.value.action ?? 'escalate'}`}>{item.value.action}</span>
                      <span class="muted">
                        {item.value.tenantId ?? '—'} · {formatTime(item.value.time)}
                      </span>
                    </>
                  )}
                </button>
              </li>
            ))}
          </ul>
          {items.length === 0 && listStatus === 'ready' ? <p class="muted">Nothing here. {queue === 'approvals' && status === 'pending' ? 'No tool call is waiting for a person.' : escalations ? 'The policy held no request for a person.' : ''}</p> : null}
          {escalations && held.hasMore ? (
            <button type="button" onClick={held.more} disabled={held.status === 'loading'}>
              Show older
            </button>
          ) : null}
        </div>
        <div class="split-side">
          {selected === undefined ? null : selected.kind === 'approval' ? (
            <ApprovalDetail approval={selected.value} note={note} onNote={setNote} onDecide={(decision) => void decide(decision)} busy={busy} noteRef={noteField} />
          ) : selected.kind === 'escalation' ? (
            <EscalationDetail event={selected.value} verdicts={verdicts} form={heldForm} onForm={setHeldForm} onVerdict={(outcome) => void decide(outcome)} busy={busy} noteRef={noteField} />
          ) : (
            <ReportDetail report={selected.value} verdict={verdict} onVerdict={setVerdict} onReview={(outcome) => void decide(outcome)} busy={busy} noteRef={noteField} />
          )}
        </div>
      </div>
    </section>
  );
}
