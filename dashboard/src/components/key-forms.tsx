import { useState } from 'preact/hooks';
import { allScopes, type IssuedKey, type Scope, type WireLimits } from '../api/wire.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { localInputToIso } from './format.js';

/** Three optional whole numbers; empty means "the default applies". */
export function LimitsFields(props: { idPrefix: string; value: WireLimits; onChange: (limits: WireLimits) => void }) {
  const fields = [
    ['requests_per_minute', 'Requests per minute'],
    ['tokens_per_minute', 'Tokens per minute'],
    ['concurrent_requests', 'Concurrent requests'],
  ] as const;
  return (
    <fieldset class="limits">
      <legend>Limits (empty: the defaults apply)</legend>
      {fields.map(([name, label]) => (
        <label key={name} class="field" for={`${props.idPrefix}-${name}`}>
          <span>{label}</span>
          <input
            id={`${props.idPrefix}-${name}`}
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={props.value[name] ?? ''}
            onInput={(event) => {
              const raw = event.currentTarget.value;
              const next = { ...props.value };
              if (raw === '') delete next[name];
              else next[name] = Number(raw);
              props.onChange(next);
            }}
          />
        </label>
      ))}
    </fieldset>
  );
}

/** Creating a key: only the scopes the signed-in key holds can be granted (the API refuses more). */
export function CreateKeyForm(props: { tenantId: string; onCreated: (issued: IssuedKey) => void }) {
  const { api, whoami } = useSession();
  const grantable = allScopes.filter((scope) => whoami.key.scopes.includes(scope) || (scope === 'admin' && whoami.operator));
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['inference']);
  const [expires, setExpires] = useState('');
  const [limits, setLimits] = useState<WireLimits>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const expiresAt = localInputToIso(expires);
      const issued = await api.createKey({
        tenant_id: props.tenantId,
        scopes,
        ...(name.trim() === '' ? {} : { name: name.trim() }),
        ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
        ...(Object.keys(limits).length === 0 ? {} : { limits }),
      });
      setName('');
      setExpires('');
      setLimits({});
      props.onCreated(issued);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card" onSubmit={submit} aria-labelledby="create-key-heading">
      <h3 id="create-key-heading">Create a key for {props.tenantId}</h3>
      <label class="field" for="key-name">
        <span>Name</span>
        <input id="key-name" value={name} maxLength={200} placeholder="e.g. search-service" onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        {grantable.map((scope) => (
          <label key={scope} class="choice">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => setScopes(event.currentTarget.checked ? [...scopes, scope] : scopes.filter((held) => held !== scope))} /> {scope}
          </label>
        ))}
      </fieldset>
      <label class="field" for="key-expires">
        <span>Expires (optional)</span>
        <input id="key-expires" type="datetime-local" value={expires} onInput={(event) => setExpires(event.currentTarget.value)} />
      </label>
      <LimitsFields idPrefix="key" value={limits} onChange={setLimits} />
      {error === undefined ? null : <ErrorNote error={error} />}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || scopes.length === 0}>
          Create key
        </button>
      </div>
    </form>
  );
}

/**
 * The key, shown once: selectable and copyable, masked until asked. Closing the dialog forgets
 * it; the gateway keeps only its hash.
 */
export function IssuedKeyPanel(props: { issued: IssuedKey; headline: string; onDone: () => void }) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.issued.key);
      setCopied(true);
    } catch {
      setShown(true);
    }
  }
  return (
    <div class="issued" role="alert">
      <p>
        <strong>{props.headline}</strong> Copy it now: it is shown this once, and Palisade keeps only its hash.
      </p>
      <label class="field wide" for="issued-key">
        <span>
          Key <code>{props.issued.prefix}</code>
        </span>
        {shown ? (
          <input id="issued-key" readOnly type="text" value={props.issued.key} onFocus={(event) => event.currentTarget.select()} />
        ) : (
          <input id="issued-key" readOnly type="password" value={props.issued.key} onFocus={(event) => event.currentTarget.select()} />
        )}
      </label>
      <div class="form-actions">
        <button type="button" onClick={() => setShown(!shown)} aria-pressed={shown}>
          {shown ? 'Hide' : 'Show'}
        </button>
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="primary" onClick={props.onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}
