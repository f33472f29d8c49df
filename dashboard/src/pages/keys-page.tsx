import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { IssuedKey, WireKey, WireLimits, WireTenant } from '../api/wire.js';
import { ErrorNote, errorMessage } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { CreateKeyForm, IssuedKeyPanel, LimitsFields } from '../components/key-forms.js';
import { ModalDialog } from '../components/modal-dialog.js';
import { useAsync } from '../components/use-async.js';
import { pageUrl } from '../pages.js';
import { useSession } from '../session.js';

function keyState(key: WireKey, now: number): string {
  if (key.revoked_at !== null) return 'revoked';
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now) return 'expired';
  if (key.replaced_by !== null) return key.grace_until !== null && Date.parse(key.grace_until) > now ? 'rotated, in grace' : 'rotated';
  return 'active';
}

const limitsText = (limits: WireLimits | null) =>
  limits === null || Object.keys(limits).length === 0
    ? 'defaults'
    : [limits.requests_per_minute === undefined ? '' : `${limits.requests_per_minute} req/min`, limits.tokens_per_minute === undefined ? '' : `${limits.tokens_per_minute} tok/min`, limits.concurrent_requests === undefined ? '' : `${limits.concurrent_requests} at once`]
        .filter((part) => part !== '')
        .join(', ');

type Dialog = { kind: 'issued'; issued: IssuedKey; headline: string } | { kind: 'revoke'; key: WireKey } | { kind: 'rotate'; key: WireKey } | { kind: 'limits'; key: WireKey } | { kind: 'tenant'; tenant: WireTenant | undefined };

function TenantDialog(props: { tenant: WireTenant | undefined; onDone: (saved: boolean) => void }) {
  const { api } = useSession();
  const [id, setId] = useState('');
  const [name, setName] = useState(props.tenant?.name ?? '');
  const [limits, setLimits] = useState<WireLimits>(props.tenant?.limits ?? {});
  const [disabled, setDisabled] = useState(props.tenant?.disabled ?? false);
  const [error, setError] = useState<unknown>(undefined);
  async function submit(event: Event) {
    event.preventDefault();
    try {
      if (props.tenant === undefined) await api.createTenant({ id: id.trim(), name: name.trim(), limits });
      else await api.updateTenant(props.tenant.id, { name: name.trim(), limits, disabled });
      props.onDone(true);
    } catch (failure) {
      setError(failure);
    }
  }
  return (
    <form onSubmit={submit}>
      {props.tenant === undefined ? (
        <label class="field" for="tenant-id">
          <span>Id (lowercase letters, digits, inner hyphens)</span>
          <input id="tenant-id" value={id} required pattern="[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?" onInput={(event) => setId(event.currentTarget.value)} />
        </label>
      ) : null}
      <label class="field" for="tenant-name">
        <span>Name</span>
        <input id="tenant-name" value={name} required onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <LimitsFields idPrefix="tenant" value={limits} onChange={setLimits} />
      {props.tenant === undefined ? null : (
        <label class="choice">
          <input type="checkbox" checked={disabled} onChange={(event) => setDisabled(event.currentTarget.checked)} /> Disabled (every key of the tenant is refused at once)
        </label>
      )}
      {error === undefined ? null : <ErrorNote error={error} />}
      <div class="form-actions">
        <button type="submit" class="primary">
          {props.tenant === undefined ? 'Create tenant' : 'Save'}
        </button>
        <button type="button" onClick={() => props.onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Tenants and their keys: create (the key shown once), rotate, revoke, limits. */
export default function KeysPage() {
  const { api, whoami } = useSession();
  const { query } = useLocation();
  const tenantId = whoami.operator ? (query.tenant ?? whoami.tenant.id) : whoami.tenant.id;
  const tenants = useAsync(async () => (await api.listTenants()).data, [api]);
  const keys = useAsync(async () => (await api.listKeys(tenantId)).data, [api, tenantId]);
  const [dialog, setDialog] = useState<Dialog | undefined>(undefined);
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const [grace, setGrace] = useState(3600);
  const [limits, setLimits] = useState<WireLimits>({});
  const now = Date.now();

  async function act(work: () => Promise<string>) {
    try {
      setStatus({ text: await work(), error: false });
    } catch (error) {
      setStatus({ text: errorMessage(error), error: true });
    }
    keys.reload();
  }

  const close = () => setDialog(undefined);
  const held = (key: WireKey) => key.scopes.every((scope) => whoami.key.scopes.includes(scope) || (scope === 'admin' && whoami.operator));
  return (
    <section aria-labelledby="keys-heading">
      <div class="page-head">
        <h1 id="keys-heading">Keys and tenants</h1>
      </div>
      <div role="status" aria-live="polite">
        {status === undefined ? null : <p class={status.error ? 'note note-error' : 'note note-ok'}>{status.text}</p>}
      </div>
      <section aria-labelledby="tenants-heading">
        <div class="section-head">
          <h2 id="tenants-heading">Tenants</h2>
          {whoami.operator ? (
            <button type="button" onClick={() => setDialog({ kind: 'tenant', tenant: undefined })}>
              New tenant
            </button>
          ) : null}
        </div>
        {tenants.status === 'failed' ? <ErrorNote error={tenants.error} /> : null}
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Limits</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(tenants.value ?? []).map((tenant) => (
              <tr key={tenant.id} class={tenant.id === tenantId ? 'selected' : undefined}>
                <td>
                  {whoami.operator ? (
                    <a href={pageUrl('keys', { tenant: tenant.id })} aria-current={tenant.id === tenantId ? 'true' : undefined}>
                      {tenant.id}
                    </a>
                  ) : (
                    tenant.id
                  )}
                </td>
                <td>{tenant.name}</td>
                <td>{tenant.disabled ? 'disabled' : 'active'}</td>
                <td>{limitsText(tenant.limits)}</td>
                <td>
                  {whoami.operator ? (
                    <button type="button" class="small" onClick={() => setDialog({ kind: 'tenant', tenant })}>
                      Edit<span class="visually-hidden"> {tenant.id}</span>
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="keys-list-heading">
        <h2 id="keys-list-heading">Keys of {tenantId}</h2>
        {keys.status === 'failed' ? <ErrorNote error={keys.error} /> : null}
        <div class="table-scroll">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Limits</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(keys.value ?? []).map((key) => {
                const state = keyState(key, now);
                const manageable = held(key) && (state === 'active' || state === 'rotated, in grace');
                return (
                  <tr key={key.id} data-key-id={key.id}>
                    <td>
                      <code>{key.prefix}</code>
                      {key.id === whoami.key.id ? <span class="badge"> you</span> : null}
                    </td>
                    <td>{key.name ?? '—'}</td>
                    <td>{key.scopes.join(', ')}</td>
                    <td>
                      <span class={`badge state-${state.split(',')[0]}`}>{state}</span>
                      {key.expires_at === null || state !== 'active' ? null : <span class="muted"> until {formatTime(key.expires_at)}</span>}
                    </td>
                    <td>{formatTime(key.created_at)}</td>
                    <td>{formatTime(key.last_used_at)}</td>
                    <td>{limitsText(key.limits)}</td>
                    <td class="actions">
                      {manageable ? (
                        <>
                          {state === 'active' && key.replaced_by === null ? (
                            <button type="button" class="small" onClick={() => setDialog({ kind: 'rotate', key })}>
                              Rotate<span class="visually-hidden"> {key.prefix}</span>
                            </button>
                          ) : null}
                          <button
                            type="button"
                            class="small"
                            onClick={() => {
                              setLimits(key.limits ?? {});
                              setDialog({ kind: 'limits', key });
                            }}
                          >
                            Limits<span class="visually-hidden"> of {key.prefix}</span>
                          </button>
                          <button type="button" class="small danger" onClick={() => setDialog({ kind: 'revoke', key })}>
                            Revoke<span class="visually-hidden"> {key.prefix}</span>
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <CreateKeyForm tenantId={tenantId} onCreated={(issued) => setDialog({ kind: 'issued', issued, headline: `Key ${issued.prefix} created.` })} />
      </section>

      <ModalDialog labelId="issued-heading" title="Your new key" open={dialog?.kind === 'issued'} onClose={() => {
        close();
        keys.reload();
      }}>
        {dialog?.kind === 'issued' ? (
          <IssuedKeyPanel
            issued={dialog.issued}
            headline={dialog.headline}
            onDone={() => {
              close();
              keys.reload();
            }}
          />
        ) : null}
      </ModalDialog>
      <ModalDialog labelId="revoke-heading" title="Revoke this key?" open={dialog?.kind === 'revoke'} onClose={close}>
        {dialog?.kind === 'revoke' ? (
          <>
            <p>
              <code>{dialog.key.prefix}</code> {dialog.key.name === null ? '' : `(${dialog.key.name})`} stops working on every replica from its next request. This cannot be undone.
            </p>
            {dialog.key.id === whoami.key.id ? <p class="note note-warning">This is the key you are signed in with: the console signs out once it is revoked.</p> : null}
            <div class="form-actions">
              <button
                type="button"
                class="danger"
                onClick={() => {
                  const key = dialog.key;
                  close();
                  void act(async () => {
                    await api.revokeKey(key.id);
                    return `Key ${key.prefix} revoked.`;
                  });
                }}
              >
                Revoke {dialog.key.prefix}
              </button>
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
          </>
        ) : null}
      </ModalDialog>
      <ModalDialog labelId="rotate-heading" title="Rotate this key" open={dialog?.kind === 'rotate'} onClose={close}>
        {dialog?.kind === 'rotate' ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const key = dialog.key;
              api.rotateKey(key.id, { grace_seconds: grace }).then(
                (rotated) => setDialog({ kind: 'issued', issued: rotated, headline: `Key ${key.prefix} rotated: this is its successor; the old key works ${grace} more seconds.` }),
                (error: unknown) => {
                  close();
                  setStatus({ text: errorMessage(error), error: true });
                },
              );
            }}
          >
            <p>
              A successor with the same tenant, scopes and limits is issued; <code>{dialog.key.prefix}</code> keeps working for the grace period.
            </p>
            <label class="field" for="rotate-grace">
              <span>Grace period (seconds, at most 30 days)</span>
              <input id="rotate-grace" type="number" min={0} max={2_592_000} value={grace} onInput={(event) => setGrace(Number(event.currentTarget.value))} />
            </label>
            <div class="form-actions">
              <button type="submit" class="primary">
                Rotate
              </button>
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
      </ModalDialog>
      <ModalDialog labelId="limits-heading" title="Limits of this key" open={dialog?.kind === 'limits'} onClose={close}>
        {dialog?.kind === 'limits' ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const key = dialog.key;
              close();
              void act(async () => {
                await api.updateKeyLimits(key.id, Object.keys(limits).length === 0 ? null : limits);
                return `Limits of ${key.prefix} saved.`;
              });
            }}
          >
            <LimitsFields idPrefix="edit-key" value={limits} onChange={setLimits} />
            <div class="form-actions">
              <button type="submit" class="primary">
                Save
              </button>
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
      </ModalDialog>
      <ModalDialog labelId="tenant-heading" title={dialog?.kind === 'tenant' && dialog.tenant !== undefined ? `Tenant ${dialog.tenant.id}` : 'New tenant'} open={dialog?.kind === 'tenant'} onClose={close}>
        {dialog?.kind === 'tenant' ? (
          <TenantDialog
            tenant={dialog.tenant}
            onDone={(saved) => {
              close();
              if (saved) {
                tenants.reload();
                setStatus({ text: 'Tenant saved.', error: false });
              }
            }}
          />
        ) : null}
      </ModalDialog>
    </section>
  );
}
