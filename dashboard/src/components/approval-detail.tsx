import type { Ref } from 'preact';
import type { Approval } from '../api/wire.js';
import { explainRequest } from '../explain/explain-decision.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { Conversation } from './event-detail.js';
import { formatTime, prettyJson } from './format.js';
import { useAsync } from './use-async.js';

/** The request that proposed the call, as the audit log kept it: the (redacted) conversation that led to it. */
function RequestContext(props: { requestId: string }) {
  const { api } = useSession();
  const event = useAsync(async () => (await api.auditEvents({ id: props.requestId, type: 'request', limit: 1 })).data[0], [api, props.requestId]);
  if (event.status === 'failed') return <ErrorNote error={event.error} title="The request’s audit event could not be read." />;
  if (event.value === undefined) return <p class="muted">{event.status === 'loading' ? 'Loading the conversation…' : 'The request’s audit event is gone (retention).'}</p>;
  const explanation = explainRequest(event.value);
  return (
    <section aria-label="What led to the call">
      <h3>What led to it</h3>
      <p>{explanation.summary}</p>
      {explanation.toolCalls.length === 0 ? null : (
        <p>
          The model proposed{' '}
          {explanation.toolCalls.map((call, index) => (
            <span key={index}>
              {index === 0 ? '' : ', '}
              <code>{call.tool}</code> ({call.verdict})
            </span>
          ))}
          .
        </p>
      )}
      {explanation.content === undefined ? (
        <p class="muted">The audit log kept no text of this request (audit.content: none).</p>
      ) : (
        <>
          <p class="muted">The conversation as the audit log kept it ({explanation.content.mode}).</p>
          <Conversation label="Conversation" messages={explanation.content.input} />
          <Conversation label="Answer" messages={explanation.content.output} />
        </>
      )}
    </section>
  );
}

export function ApprovalDetail(props: { approval: Approval; note: string; onNote: (note: string) => void; onDecide: (decision: 'approve' | 'deny') => void; busy: boolean; noteRef: Ref<HTMLTextAreaElement> }) {
  const { approval } = props;
  const pending = approval.status === 'pending';
  return (
    <article class="review-detail" aria-labelledby="approval-heading">
      <h2 id="approval-heading">
        <code>{approval.tool}</code> <span class={`badge risk-${approval.risk}`}>{approval.risk}</span> <span class={`badge status-${approval.status}`}>{approval.status}</span>
      </h2>
      <dl class="facts">
        <dt>Why it waits</dt>
        <dd>{approval.reasons.join(', ') || '—'}</dd>
        <dt>Tenant</dt>
        <dd>{approval.tenant_id}</dd>
        <dt>Agent key</dt>
        <dd>
          <code>{approval.key_id}</code>
        </dd>
        <dt>Request</dt>
        <dd>
          <a href={pageUrl('audit', { request_id: approval.request_id })}>
            <code>{approval.request_id}</code>
          </a>
        </dd>
        {approval.session_id === null ? null : (
          <>
            <dt>Session</dt>
            <dd>
              <code>{approval.session_id}</code>
            </dd>
          </>
        )}
        <dt>Proposed</dt>
        <dd>{formatTime(approval.created_at)}</dd>
        <dt>Decide by</dt>
        <dd>{formatTime(approval.expires_at)}</dd>
        {approval.decided_at === null ? null : (
          <>
            <dt>Decided</dt>
            <dd>
              {formatTime(approval.decided_at)} by <code>{approval.decided_by}</code>
              {approval.note === null ? '' : `: “${approval.note}”`}
            </dd>
          </>
        )}
        {approval.status === 'approved' ? (
          <>
            <dt>Token</dt>
            <dd data-testid="token-state">{approval.token_issued_at === null ? 'Not fetched yet: the agent receives it on its next poll.' : `Issued to the agent at ${formatTime(approval.token_issued_at)}.`}</dd>
          </>
        ) : null}
      </dl>
      <h3>Arguments</h3>
      <pre class="json">{prettyJson(approval.arguments)}</pre>
      {pending ? (
        <form class="decide" onSubmit={(event) => event.preventDefault()} aria-label="Decide">
          <label class="field wide" for="approval-note">
            <span>Reason (recorded in the audit log; the agent sees it when denied)</span>
            <textarea id="approval-note" ref={props.noteRef} rows={2} maxLength={2000} value={props.note} onInput={(event) => props.onNote(event.currentTarget.value)} />
          </label>
          <div class="form-actions">
            <button type="button" class="primary" disabled={props.busy} onClick={() => props.onDecide('approve')} aria-keyshortcuts="a">
              Approve <kbd>a</kbd>
            </button>
            <button type="button" class="danger" disabled={props.busy} onClick={() => props.onDecide('deny')} aria-keyshortcuts="d">
              Deny <kbd>d</kbd>
            </button>
          </div>
        </form>
      ) : null}
      <RequestContext requestId={approval.request_id} />
    </article>
  );
}
