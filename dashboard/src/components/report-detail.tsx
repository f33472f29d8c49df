import type { Ref } from 'preact';
import type { Report } from '../api/wire.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { EventDetail } from './event-detail.js';
import { formatTime } from './format.js';
import { useAsync } from './use-async.js';

export interface ReportVerdict {
  note: string;
  expect: '' | 'blocked' | 'allowed';
  category: string;
}

const kindLabels: Record<string, string> = { wrong_block: 'Wrongly blocked', bad_answer: 'Bad answer let through', other: 'Other' };

/** What a confirmed report of this kind means when the reviewer gives no label. */
export function defaultExpect(kind: string): ReportVerdict['expect'] {
  return kind === 'wrong_block' ? 'allowed' : kind === 'bad_answer' ? 'blocked' : '';
}

export function ReportDetail(props: { report: Report; verdict: ReportVerdict; onVerdict: (verdict: ReportVerdict) => void; onReview: (outcome: 'confirm' | 'dismiss') => void; busy: boolean; noteRef: Ref<HTMLTextAreaElement> }) {
  const { api } = useSession();
  const { report, verdict } = props;
  const full = useAsync(() => api.getReport(report.id), [api, report.id, report.status]);
  const open = report.status === 'open';
  return (
    <article class="review-detail" aria-labelledby="report-heading">
      <h2 id="report-heading">
        {kindLabels[report.kind] ?? report.kind} <span class={`badge status-${report.status}`}>{report.status}</span>
      </h2>
      <dl class="facts">
        <dt>The user said</dt>
        <dd>{report.note ?? <span class="muted">(no note)</span>}</dd>
        <dt>Tenant</dt>
        <dd>{report.tenant_id}</dd>
        <dt>Reported by key</dt>
        <dd>
          <code>{report.key_id}</code>
          {report.end_user_id === null ? '' : `, end user ${report.end_user_id}`}
        </dd>
        <dt>Request</dt>
        <dd>
          <a href={pageUrl('audit', { request_id: report.request_id })}>
            <code>{report.request_id}</code>
          </a>
        </dd>
        <dt>Reported</dt>
        <dd>{formatTime(report.created_at)}</dd>
        {report.reviewed_at === null ? null : (
          <>
            <dt>Reviewed</dt>
            <dd>
              {formatTime(report.reviewed_at)} by <code>{report.reviewed_by}</code>
              {report.label === null ? '' : `: should have been ${report.label.expect}${report.label.category === null ? '' : ` (${report.label.category})`}`}
              {report.review_note === null ? '' : `; “${report.review_note}”`}
            </dd>
          </>
        )}
      </dl>
      {open ? (
        <form class="decide" onSubmit={(event) => event.preventDefault()} aria-label="Review">
          <fieldset>
            <legend>What should have happened (the label a confirmed report keeps)</legend>
            {(['blocked', 'allowed'] as const).map((expect) => (
              <label key={expect} class="choice">
                <input type="radio" name="report-expect" value={expect} checked={verdict.expect === expect} onChange={() => props.onVerdict({ ...verdict, expect })} /> {expect === 'blocked' ? 'It should have been blocked' : 'It should have been allowed'}
              </label>
            ))}
          </fieldset>
          <label class="field" for="report-category">
            <span>Category (optional)</span>
            <input id="report-category" value={verdict.category} placeholder="e.g. prompt_injection" spellcheck={false} onInput={(event) => props.onVerdict({ ...verdict, category: event.currentTarget.value })} />
          </label>
          <label class="field wide" for="report-note">
            <span>Reason (recorded in the audit log)</span>
            <textarea id="report-note" ref={props.noteRef} rows={2} maxLength={2000} value={verdict.note} onInput={(event) => props.onVerdict({ ...verdict, note: event.currentTarget.value })} />
          </label>
          <div class="form-actions">
            <button type="button" class="primary" disabled={props.busy || verdict.expect === ''} onClick={() => props.onReview('confirm')} aria-keyshortcuts="a">
              Confirm: Palisade got it wrong <kbd>a</kbd>
            </button>
            <button type="button" disabled={props.busy} onClick={() => props.onReview('dismiss')} aria-keyshortcuts="d">
              Dismiss: Palisade was right <kbd>d</kbd>
            </button>
          </div>
        </form>
      ) : null}
      <section aria-label="The reported request">
        <h3>The reported request</h3>
        {full.status === 'failed' ? <ErrorNote error={full.error} /> : null}
        {full.value === undefined ? (
          <p class="muted">Loading…</p>
        ) : full.value.request_event === null || full.value.request_event === undefined ? (
          <p class="muted">Its audit event is gone (retention).</p>
        ) : (
          <EventDetail event={full.value.request_event} />
        )}
      </section>
    </article>
  );
}
