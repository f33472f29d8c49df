import type { Ref } from 'preact';
import type { AuditEvent, Report } from '../api/wire.js';
import { actionVerb, explainRequest } from '../explain/explain-decision.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { EventDetail } from './event-detail.js';
import { formatTime } from './format.js';
import { useAsync, type AsyncState } from './use-async.js';

/** A reviewer's two verdicts on a held request: it should have been delivered (a wrong block), or holding it was right. */
export type HeldVerdict = 'deliver' | 'hold';

export interface HeldForm {
  /** The reviewer's reason (required: the API records it with the verdict). */
  note: string;
  category: string;
}

/** The category of the finding that held the request, if one did: what a verdict's label names by default. */
export function heldCategory(event: AuditEvent): string {
  return (
    explainRequest(event)
      .stages.flatMap((stage) => stage.findings)
      .find((finding) => finding.decisive)?.category ?? ''
  );
}

/**
 * The reports reviewers filed on this request (`report-created` events marked `filed_by:
 * reviewer`), as the report store holds them now. `version` reads them again after an act.
 */
export function useReviewerVerdicts(requestId: string | undefined, version: number): AsyncState<Report[]> {
  const { api } = useSession();
  return useAsync(async () => {
    if (requestId === undefined) return [];
    const events = (await api.auditEvents({ request_id: requestId, type: 'report-created', limit: 100 })).data;
    const ids = events.flatMap((event) => (event.data.filed_by === 'reviewer' && typeof event.data.report_id === 'string' ? [event.data.report_id] : []));
    return Promise.all(ids.map((id) => api.getReport(id)));
  }, [api, requestId, version]);
}

function verdictText(report: Report): string {
  if (report.status === 'open') return `Filed as ${report.kind.replace('_', ' ')}, not confirmed yet (see User reports)`;
  if (report.status === 'dismissed') return 'Filed, then dismissed';
  return report.label?.expect === 'allowed' ? 'Should have been delivered' : 'Right to hold';
}

function Verdicts(props: { reports: Report[] }) {
  return (
    <section aria-label="Verdict">
      <h3>Verdict</h3>
      <ul class="plain">
        {props.reports.map((report) => {
          const category = report.label?.category ?? null;
          return (
            <li key={report.id}>
              <strong>{verdictText(report)}</strong>
              {category === null ? '' : ` (${category})`}, by <code>{report.reviewed_by ?? report.key_id}</code> at {formatTime(report.reviewed_at ?? report.created_at)}: “{report.review_note ?? report.note}” <span class="muted">(report {report.id})</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** A request the policy held for a person: why, what was asked (redacted), and the reviewer's verdict or the two acts. */
export function EscalationDetail(props: { event: AuditEvent; verdicts: AsyncState<Report[]>; form: HeldForm; onForm: (form: HeldForm) => void; onVerdict: (verdict: HeldVerdict) => void; busy: boolean; noteRef: Ref<HTMLTextAreaElement> }) {
  const { event, verdicts, form } = props;
  const action = event.action ?? 'escalate';
  const blank = form.note.trim() === '';
  return (
    <article class="review-detail" aria-labelledby="escalation-heading">
      <h2 id="escalation-heading">
        {actionVerb(action)} <span class={`badge action-${action}`}>{action}</span>
      </h2>
      <p class="muted">
        The client was answered already; a held request cannot be released. A verdict is filed as a confirmed report on request{' '}
        <a href={pageUrl('audit', { request_id: event.id })}>
          <code>{event.id}</code>
        </a>
        , which becomes a regression case.
      </p>
      {verdicts.status === 'failed' ? <ErrorNote error={verdicts.error} title="Earlier verdicts could not be read." /> : null}
      {verdicts.value === undefined ? (
        verdicts.status === 'loading' ? <p class="muted">Loading earlier verdicts…</p> : null
      ) : verdicts.value.length > 0 ? (
        <Verdicts reports={verdicts.value} />
      ) : (
        <form class="decide" onSubmit={(submitted) => submitted.preventDefault()} aria-label="Your verdict">
          <label class="field wide" for="escalation-note">
            <span>Reason (required; recorded in the audit log and kept with the case)</span>
            <textarea id="escalation-note" ref={props.noteRef} rows={2} maxLength={2000} value={form.note} onInput={(input) => props.onForm({ ...form, note: input.currentTarget.value })} />
          </label>
          <label class="field" for="escalation-category">
            <span>Category (optional)</span>
            <input id="escalation-category" value={form.category} spellcheck={false} onInput={(input) => props.onForm({ ...form, category: input.currentTarget.value })} />
          </label>
          <div class="form-actions">
            <button type="button" class="primary" disabled={props.busy || blank} onClick={() => props.onVerdict('deliver')} aria-keyshortcuts="a">
              Should have been delivered <kbd>a</kbd>
            </button>
            <button type="button" disabled={props.busy || blank} onClick={() => props.onVerdict('hold')} aria-keyshortcuts="d">
              Right to hold <kbd>d</kbd>
            </button>
          </div>
        </form>
      )}
      <EventDetail event={event} />
    </article>
  );
}
