import { useRef, useState } from 'preact/hooks';
import { AdminApiError } from '../api/admin-api.js';
import type { PolicyList, PolicyVersion } from '../api/operations-wire.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { formatTime } from './format.js';
import { lineDiff } from './line-diff.js';
import { lineRange, policyErrorPositions } from './policy-error-positions.js';
import type { VersionName } from './rollout-report.js';
import { useAsync } from './use-async.js';

/** Every version, newest first, the active and candidate marked; view one, activate one. */
export function PolicyVersionsTable(props: { list: PolicyList; selected: string | undefined; versionName: VersionName; onSelect: (hash: string) => void; onActivate: (version: PolicyVersion) => void }) {
  const running = props.list.rollout !== null;
  return (
    <div class="table-scroll">
      <table class="data">
        <caption class="muted">Immutable versions named by the sha256 of their text, newest first.</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Version</th>
            <th scope="col">Pushed</th>
            <th scope="col">Note</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.list.data.map((version) => (
            <tr key={version.hash} class={version.hash === props.selected ? 'selected' : undefined}>
              <th scope="row">
                {version.name}
                {version.active === true ? <span class="badge state-active">active</span> : null}
                {version.candidate === true ? <span class="badge status-pending">candidate</span> : null}
              </th>
              <td>
                <code title={version.hash}>{version.hash.slice(0, 12)}</code>
              </td>
              <td>
                {formatTime(version.created_at)} by <code>{version.pushed_by}</code>
              </td>
              <td>{version.note ?? '—'}</td>
              <td class="actions">
                <button type="button" class="small" aria-pressed={version.hash === props.selected} onClick={() => props.onSelect(version.hash)}>
                  View<span class="visually-hidden"> {props.versionName(version.hash)}</span>
                </button>
                {version.active === true ? null : (
                  <button type="button" class="small" disabled={running} title={running ? 'A rollout is running: complete, roll back or abort it first.' : undefined} onClick={() => props.onActivate(version)}>
                    Activate…<span class="visually-hidden"> {props.versionName(version.hash)}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PolicyDiff(props: { before: string; after: string; beforeName: string; afterName: string }) {
  const diff = lineDiff(props.before, props.after);
  const label = `Changes from ${props.beforeName} to ${props.afterName}`;
  return (
    <figure class="diff-figure">
      <figcaption>
        {label}: <span class="diff-count-added">+{diff.added}</span> <span class="diff-count-removed">−{diff.removed}</span> lines
      </figcaption>
      {diff.added === 0 && diff.removed === 0 ? <p class="muted">The texts are the same.</p> : null}
      <div class="table-scroll">
        <table class="diff" aria-label={label}>
          <thead class="visually-hidden">
            <tr>
              <th scope="col">Line before</th>
              <th scope="col">Line after</th>
              <th scope="col">Change</th>
              <th scope="col">Text</th>
            </tr>
          </thead>
          <tbody>
            {diff.rows.map((row, index) =>
              row.kind === 'skipped' ? (
                <tr key={index} class="diff-skipped">
                  <td colSpan={4}>
                    … {row.count} unchanged line{row.count === 1 ? '' : 's'} …
                  </td>
                </tr>
              ) : (
                <tr key={index} class={`diff-${row.kind}`}>
                  <td class="diff-number">{row.oldNumber ?? ''}</td>
                  <td class="diff-number">{row.newNumber ?? ''}</td>
                  <td class="diff-sign">
                    <span aria-hidden="true">{row.kind === 'added' ? '+' : row.kind === 'removed' ? '−' : ' '}</span>
                    <span class="visually-hidden">{row.kind === 'same' ? 'unchanged' : row.kind}</span>
                  </td>
                  <td class="diff-text">
                    <code>{row.text}</code>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** One version: its text, and a diff against another (the active one unless chosen). */
export function PolicyViewer(props: { selected: string; against: string | undefined; list: PolicyList; versionName: VersionName; onAgainst: (hash: string) => void }) {
  const { api } = useSession();
  const others = props.list.data.filter((version) => version.hash !== props.selected);
  const against = props.against !== undefined && props.against !== props.selected ? props.against : props.list.active?.hash !== props.selected ? props.list.active?.hash : others[0]?.hash;
  const texts = useAsync(async () => {
    const [selected, other] = await Promise.all([api.getPolicy(props.selected), against === undefined ? Promise.resolve(undefined) : api.getPolicy(against)]);
    return { selected, other };
  }, [api, props.selected, against]);
  const version = texts.value?.selected;
  return (
    <section class="card wide-card" aria-labelledby="viewer-heading">
      <h3 id="viewer-heading">{props.versionName(props.selected)}</h3>
      {texts.status === 'failed' ? <ErrorNote error={texts.error} title="The version could not be loaded." /> : null}
      {version === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <p class="muted">
            <code class="id">{version.hash}</code> · pushed {formatTime(version.created_at)} by <code>{version.pushed_by}</code>
            {version.note === null ? '' : ` · “${version.note}”`}
          </p>
          {others.length === 0 ? null : (
            <label class="field" for="diff-against">
              <span>Compare with</span>
              <select id="diff-against" value={against} onChange={(event) => props.onAgainst(event.currentTarget.value)}>
                {others.map((other) => (
                  <option key={other.hash} value={other.hash}>
                    {props.versionName(other.hash)}
                    {other.active === true ? ' (active)' : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          {texts.value?.other === undefined || against === undefined ? null : <PolicyDiff before={texts.value.other.text} after={version.text} beforeName={props.versionName(against)} afterName={props.versionName(version.hash)} />}
          <details>
            <summary>The whole text</summary>
            <pre class="json policy-text">{version.text}</pre>
          </details>
        </>
      )}
    </section>
  );
}

/** Push a new version: compiled by the gateway first; an invalid one shows where it is wrong. */
export function PushPolicyForm(props: { activeHash: string | undefined; onPushed: (hash: string, message: string) => void }) {
  const { api } = useSession();
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const field = useRef<HTMLTextAreaElement>(null);
  const positions = error instanceof AdminApiError && error.code === 'invalid_policy' ? policyErrorPositions(error.message) : [];
  const lines = text.split('\n');

  function goTo(line: number) {
    const area = field.current;
    if (area === null) return;
    const range = lineRange(text, line);
    area.focus();
    area.setSelectionRange(range.start, range.end);
  }

  async function push(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const pushed = await api.pushPolicy({ text, ...(name.trim() === '' ? {} : { name: name.trim() }), ...(note.trim() === '' ? {} : { note: note.trim() }) });
      props.onPushed(pushed.version.hash, `${pushed.created ? 'Pushed' : 'Already stored:'} ${pushed.version.name} as version ${pushed.version.hash.slice(0, 12)}. It is not active: activate it, or start a rollout.`);
      setText('');
      setName('');
      setNote('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function loadActive() {
    if (props.activeHash === undefined) return;
    try {
      setText((await api.getPolicy(props.activeHash)).text);
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form class="card wide-card push-form" aria-labelledby="push-heading" onSubmit={push}>
      <h3 id="push-heading">Push a new version</h3>
      <p class="muted">The gateway compiles it as it would load it and stores it; nothing changes until it is activated or rolled out.</p>
      <label class="field wide" for="push-text">
        <span>Policy (YAML)</span>
        <textarea id="push-text" ref={field} rows={14} spellcheck={false} value={text} required aria-invalid={positions.length > 0 ? 'true' : undefined} aria-describedby="push-errors" onInput={(event) => setText(event.currentTarget.value)} />
      </label>
      <div class="toolbar">
        <label class="field" for="push-name">
          <span>Name (optional: the policy’s name:)</span>
          <input id="push-name" value={name} maxLength={256} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label class="field wide" for="push-note">
          <span>Note (optional)</span>
          <input id="push-note" value={note} maxLength={4096} onInput={(event) => setNote(event.currentTarget.value)} />
        </label>
      </div>
      <div id="push-errors">
        {error === undefined ? null : positions.length === 0 ? (
          <ErrorNote error={error} title="Not pushed:" />
        ) : (
          <div class="note note-error" role="alert">
            <p>
              <strong>The policy does not compile</strong> ({positions.length} problem{positions.length === 1 ? '' : 's'}):
            </p>
            <ul class="plain">
              {positions.map((position) => (
                <li key={`${position.line}:${position.column}:${position.message}`}>
                  <button type="button" class="link" onClick={() => goTo(position.line)}>
                    Line {position.line}, column {position.column}
                  </button>
                  : {position.message}
                  {lines[position.line - 1] === undefined ? null : <pre class="error-line">{lines[position.line - 1]}</pre>}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || text.trim() === ''}>
          {busy ? 'Pushing…' : 'Push the version'}
        </button>
        <button type="button" disabled={props.activeHash === undefined} onClick={() => void loadActive()}>
          Start from the active version
        </button>
      </div>
    </form>
  );
}
