import type { AuditEvent } from '../api/wire.js';
import { explainRequest, type ExplainedMessage, type ExplainedStage } from '../explain/explain-decision.js';
import { formatMs, formatTime } from './format.js';

/** The conversation as the audit log kept it (redacted by default); nothing when it kept none. */
export function Conversation(props: { messages: ExplainedMessage[]; label: string }) {
  if (props.messages.length === 0) return null;
  return (
    <section aria-label={props.label}>
      <h4>{props.label}</h4>
      <ol class="conversation">
        {props.messages.map((message, index) => (
          <li key={index} class={`message message-${message.role}`}>
            <span class="message-role">{message.role}</span>
            <pre class="message-text">{message.text}</pre>
          </li>
        ))}
      </ol>
    </section>
  );
}

function StageTable(props: { stage: ExplainedStage; repeatsSummary: boolean }) {
  const { stage } = props;
  return (
    <section class="stage" aria-label={`${stage.stage} checks`}>
      <h4>
        {stage.stage === 'input' ? 'Input checks' : 'Output checks'}: <span class={`badge action-${stage.action}`}>{stage.action}</span>
        {stage.totalMs === undefined ? null : <span class="muted"> in {formatMs(stage.totalMs)}</span>}
        {stage.policy === undefined ? null : <span class="muted">, policy {stage.policy}</span>}
      </h4>
      {props.repeatsSummary ? null : <p>{stage.summary}</p>}
      {stage.rules.length === 0 ? null : (
        <div class="table-scroll">
          <table class="data compact">
            <caption>Rules that applied</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Layer</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {stage.rules.map((rule) => (
                <tr key={rule.id}>
                  <td>
                    <code>{rule.id}</code>
                  </td>
                  <td>{rule.layer}</td>
                  <td>{rule.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {stage.findings.length === 0 ? null : (
        <div class="table-scroll">
          <table class="data compact">
            <caption>Findings</caption>
            <thead>
              <tr>
                <th scope="col">Detector</th>
                <th scope="col">Category</th>
                <th scope="col">Score</th>
                <th scope="col">Action</th>
                <th scope="col">Where</th>
              </tr>
            </thead>
            <tbody>
              {stage.findings.map((finding, index) => (
                <tr key={index} class={finding.decisive ? 'decisive' : undefined}>
                  <td>
                    <code>{finding.detector}</code>
                    {finding.decisive ? <span class="badge"> decided</span> : null}
                  </td>
                  <td>{finding.category}</td>
                  <td>{finding.score === undefined ? '—' : finding.score.toFixed(2)}</td>
                  <td>{finding.action}</td>
                  <td>{[finding.source, finding.message].filter((part) => part !== undefined).join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {stage.errors.length === 0 ? null : (
        <ul class="plain">
          {stage.errors.map((error) => (
            <li key={error.detector}>
              Detector <code>{error.detector}</code> failed ({error.reason}); the policy failed {error.failMode}.
            </li>
          ))}
        </ul>
      )}
      {stage.limits.length === 0 ? null : (
        <ul class="plain">
          {stage.limits.map((limit, index) => (
            <li key={index}>
              Limit {limit.limit}: {limit.handling}
            </li>
          ))}
        </ul>
      )}
      {stage.detectorMs.length === 0 ? null : <p class="muted">Detector times: {stage.detectorMs.map((entry) => `${entry.detector} ${formatMs(entry.ms)}`).join(', ')}</p>}
    </section>
  );
}

/** One audit event: what it records, and for a request why the gateway decided as it did. */
export function EventDetail(props: { event: AuditEvent; headingLevel?: 2 | 3 }) {
  const { event } = props;
  const explanation = event.type === 'request' ? explainRequest(event) : undefined;
  const Heading = props.headingLevel === 2 ? 'h2' : 'h3';
  return (
    <article class="event-detail" aria-label="Event detail">
      <Heading>
        {event.type} <code class="id">{event.id}</code>
      </Heading>
      <dl class="facts">
        <dt>Time</dt>
        <dd title={event.time}>{formatTime(event.time)}</dd>
        <dt>Tenant</dt>
        <dd>{event.tenantId ?? '—'}</dd>
        <dt>Key</dt>
        <dd>{event.actor ?? '—'}</dd>
        {event.action === undefined ? null : (
          <>
            <dt>Action</dt>
            <dd>
              <span class={`badge action-${event.action}`}>{event.action}</span>
            </dd>
          </>
        )}
        {event.status === undefined ? null : (
          <>
            <dt>Status</dt>
            <dd>{event.status}</dd>
          </>
        )}
        {event.model === undefined ? null : (
          <>
            <dt>Model</dt>
            <dd>{event.model}</dd>
          </>
        )}
      </dl>
      {explanation === undefined ? null : (
        <>
          <p class="summary">
            <strong>Decision:</strong> {explanation.summary}
          </p>
          {explanation.stages.map((stage) => (
            <StageTable key={stage.stage} stage={stage} repeatsSummary={stage.summary === explanation.summary} />
          ))}
          {explanation.upstream === undefined ? null : (
            <p>
              Upstream <code>{explanation.upstream.provider}</code> answered {explanation.upstream.status ?? 'nothing'} in {formatMs(explanation.upstream.ms)} ({explanation.upstream.attempts} attempt
              {explanation.upstream.attempts === 1 ? '' : 's'}).
            </p>
          )}
          {explanation.toolCalls.length === 0 ? null : (
            <ul class="plain" aria-label="Tool calls">
              {explanation.toolCalls.map((call, index) => (
                <li key={index}>
                  Tool call <code>{call.tool}</code>: {call.verdict}
                  {call.risk === undefined ? '' : ` (risk ${call.risk})`}
                  {call.reason === undefined ? '' : `, ${call.reason}`}
                  {call.approvalId === undefined ? '' : `, approval ${call.approvalId}`}
                </li>
              ))}
            </ul>
          )}
          {explanation.content === undefined ? (
            <p class="muted">The audit log kept no text of this request.</p>
          ) : (
            <>
              <p class="muted">Content as the audit log kept it ({explanation.content.mode}).</p>
              <Conversation label="Conversation" messages={explanation.content.input} />
              <Conversation label="Answer" messages={explanation.content.output} />
            </>
          )}
        </>
      )}
      <p class="muted chain">
        Chain: writer <code>{event.writer_id}</code>, seq {event.seq}, hash <code>{event.hash.slice(0, 16)}…</code>
      </p>
      <details>
        <summary>The event as stored</summary>
        <pre class="json">{JSON.stringify({ ...event, writer_id: undefined, seq: undefined, hash: undefined }, null, 2)}</pre>
      </details>
    </article>
  );
}
