import { useSession } from '../session.js';
import { useAsync } from './use-async.js';

/**
 * For an operator, a choice of tenant (or every tenant, when `allowAll`); a tenant admin sees
 * only its own, so it gets a plain statement instead of a control.
 */
export function TenantSelect(props: { id: string; value: string; onChange: (tenantId: string) => void; allowAll: boolean }) {
  const { api, whoami } = useSession();
  const tenants = useAsync(async () => (whoami.operator ? (await api.listTenants()).data : [whoami.tenant]), [api, whoami]);
  if (!whoami.operator) {
    return (
      <p class="field-static">
        Tenant: <strong>{whoami.tenant.id}</strong>
      </p>
    );
  }
  return (
    <label class="field" for={props.id}>
      <span>Tenant</span>
      <select id={props.id} value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        {props.allowAll ? <option value="">All tenants</option> : null}
        {(tenants.value ?? [whoami.tenant]).map((tenant) => (
          <option key={tenant.id} value={tenant.id}>
            {tenant.id === tenant.name ? tenant.id : `${tenant.id} (${tenant.name})`}
          </option>
        ))}
      </select>
    </label>
  );
}
