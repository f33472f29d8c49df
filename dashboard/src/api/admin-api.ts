import type {
  ActiveVersion,
  DownloadedFile,
  FlipBody,
  FlippedSwitch,
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentSeverity,
  PolicyList,
  PolicyVersion,
  Rollout,
  RolloutMove,
  RolloutReport,
  RunbookAction,
  RunbookBody,
  RunbookResult,
  ShadowDisagreement,
  StartRolloutBody,
  SwitchList,
  SwitchScope,
  WireSwitch,
} from './operations-wire.js';
import type { Approval, AuditPage, AuditVerification, IssuedKey, ListPage, Report, ReportKind, ReportLabelBody, Stats, WireKey, WireLimits, WireTenant, Whoami } from './wire.js';

/** An error the admin API answered with (the OpenAI error envelope), or a network failure (status 0). */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly param: string | null;

  constructor(options: { status: number; code: string; message: string; param?: string | null }) {
    super(options.message);
    this.name = 'AdminApiError';
    this.status = options.status;
    this.code = options.code;
    this.param = options.param ?? null;
  }
}

type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

const path = (...segments: string[]) => segments.map(encodeURIComponent).join('/');

/**
 * The admin API, called with the signed-in key in the `Authorization` header (never in a URL).
 * `onUnauthenticated` runs when the key stops working (revoked, expired): the console signs out.
 */
export function createAdminApi(options: { key: string; onUnauthenticated?: () => void; fetch?: typeof fetch }) {
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  /** Sends one request; answers the response and its text, or throws the API's error. */
  async function exchange(method: string, url: string, body?: unknown): Promise<{ response: Response; text: string }> {
    let response: Response;
    try {
      response = await send(url, {
        method,
        headers: { authorization: `Bearer ${options.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new AdminApiError({ status: 0, code: 'network', message: 'The gateway did not answer. Is it running?' });
    }
    const text = await response.text();
    if (!response.ok) {
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const error = (parsed as { error?: { code?: string; message?: string; param?: string | null } } | undefined)?.error;
      if (response.status === 401) options.onUnauthenticated?.();
      throw new AdminApiError({ status: response.status, code: error?.code ?? 'unknown', message: error?.message ?? `the gateway answered ${response.status}`, param: error?.param ?? null });
    }
    return { response, text };
  }

  async function call<Body>(method: string, url: string, body?: unknown): Promise<Body> {
    const { text } = await exchange(method, url, body);
    try {
      return (text === '' ? undefined : JSON.parse(text)) as Body;
    } catch {
      return undefined as Body;
    }
  }

  /** A file answer (not JSON), with the name the gateway suggests in `Content-Disposition`. */
  async function download(url: string, fallbackName: string): Promise<DownloadedFile> {
    const { response, text } = await exchange('GET', url);
    const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
    return { text, filename: named ?? fallbackName, contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
  }

  return {
    whoami: () => call<Whoami>('GET', '/admin/v1/whoami'),
    stats: (query: { from: string; to: string; bucket?: string; tenant_id?: string }) => call<Stats>('GET', `/admin/v1/stats${queryString(query)}`),

    listTenants: () => call<ListPage<WireTenant>>('GET', '/admin/v1/tenants'),
    createTenant: (body: { id: string; name: string; limits?: WireLimits }) => call<WireTenant>('POST', '/admin/v1/tenants', body),
    updateTenant: (id: string, body: { name?: string; limits?: WireLimits; disabled?: boolean }) => call<WireTenant>('PATCH', `/admin/v1/tenants/${path(id)}`, body),

    listKeys: (tenantId: string) => call<ListPage<WireKey>>('GET', `/admin/v1/keys${queryString({ tenant_id: tenantId })}`),
    createKey: (body: { tenant_id: string; scopes: string[]; name?: string; expires_at?: string; limits?: WireLimits }) => call<IssuedKey>('POST', '/admin/v1/keys', body),
    rotateKey: (id: string, body: { grace_seconds: number }) => call<IssuedKey & { previous: WireKey }>('POST', `/admin/v1/keys/${path(id)}/rotate`, body),
    revokeKey: (id: string) => call<WireKey>('POST', `/admin/v1/keys/${path(id)}/revoke`, {}),
    updateKeyLimits: (id: string, limits: WireLimits | null) => call<WireKey>('PATCH', `/admin/v1/keys/${path(id)}`, { limits }),

    auditEvents: (query: Query) => call<AuditPage>('GET', `/admin/v1/audit/events${queryString(query)}`),
    verifyAudit: () => call<AuditVerification>('POST', '/admin/v1/audit/verify', {}),

    listApprovals: (query: { status?: string; limit?: number; before?: string }) => call<ListPage<Approval>>('GET', `/admin/v1/approvals${queryString(query)}`),
    getApproval: (id: string) => call<Approval>('GET', `/admin/v1/approvals/${path(id)}`),
    decideApproval: (id: string, decision: 'approve' | 'deny', note?: string) => call<Approval>('POST', `/admin/v1/approvals/${path(id)}/${decision}`, note === undefined || note === '' ? {} : { note }),

    listReports: (query: { status?: string; kind?: string; limit?: number; before?: string }) => call<ListPage<Report>>('GET', `/admin/v1/reports${queryString(query)}`),
    getReport: (id: string) => call<Report>('GET', `/admin/v1/reports/${path(id)}`),
    confirmReport: (id: string, body: { note?: string; label?: ReportLabelBody }) => call<Report>('POST', `/admin/v1/reports/${path(id)}/confirm`, body),
    dismissReport: (id: string, note?: string) => call<Report>('POST', `/admin/v1/reports/${path(id)}/dismiss`, note === undefined || note === '' ? {} : { note }),
    /** A reviewer's own report on a request (201 filed, 200 when this key had filed it already); `confirm` confirms it in the same call. */
    fileReport: (body: { request_id: string; kind: ReportKind; note: string; confirm?: ReportLabelBody }) => call<Report>('POST', '/admin/v1/reports', body),

    listSwitches: () => call<SwitchList>('GET', '/admin/v1/switches?all=true'),
    switchHistory: (query: { scope?: SwitchScope; id?: string; limit?: number; before?: number }) => call<ListPage<WireSwitch>>('GET', `/admin/v1/switches/history${queryString(query)}`),
    flipSwitch: (scope: SwitchScope, id: string, body: FlipBody) => call<FlippedSwitch>('PUT', `/admin/v1/switches/${path(scope)}/${path(id)}`, body),
    runbook: (action: RunbookAction, body: RunbookBody) => call<RunbookResult>('POST', `/admin/v1/runbook/${path(action)}`, body),

    listPolicies: () => call<PolicyList>('GET', '/admin/v1/policies'),
    getPolicy: (version: string) => call<PolicyVersion & { text: string }>('GET', `/admin/v1/policies/${path(version)}`),
    pushPolicy: (body: { text: string; name?: string; note?: string }) => call<{ version: PolicyVersion; created: boolean }>('POST', '/admin/v1/policies', body),
    activatePolicy: (version: string, body: { reason: string; incident_id?: string }) => call<{ version: PolicyVersion; active: ActiveVersion; changed: boolean }>('POST', `/admin/v1/policies/${path(version)}/activate`, body),

    listRollouts: (limit: number) => call<ListPage<Rollout>>('GET', `/admin/v1/rollouts${queryString({ limit })}`),
    /** `current` names the running rollout (404 when none runs). */
    getRollout: (id: string) => call<RolloutReport>('GET', `/admin/v1/rollouts/${path(id)}`),
    rolloutDisagreements: (id: string, limit: number) => call<ListPage<ShadowDisagreement>>('GET', `/admin/v1/rollouts/${path(id)}/disagreements${queryString({ limit })}`),
    startRollout: (body: StartRolloutBody) => call<Rollout>('POST', '/admin/v1/rollouts', body),
    moveRollout: (id: string, move: RolloutMove, body: { to?: number; reason?: string; incident_id?: string }) => call<Rollout>('POST', `/admin/v1/rollouts/${path(id)}/${move}`, body),

    listIncidents: (query: { status?: 'open' | 'closed'; limit?: number; before?: string }) => call<IncidentList>('GET', `/admin/v1/incidents${queryString(query)}`),
    openIncident: (body: { severity: IncidentSeverity; title: string }) => call<Incident>('POST', '/admin/v1/incidents', body),
    getIncident: (id: string) => call<IncidentDetail>('GET', `/admin/v1/incidents/${path(id)}`),
    noteIncident: (id: string, note: string) => call<Incident>('POST', `/admin/v1/incidents/${path(id)}/notes`, { note }),
    closeIncident: (id: string, resolution: string) => call<Incident>('POST', `/admin/v1/incidents/${path(id)}/close`, { resolution }),
    /** The forensic bundle (JSON lines), fetched with the key in the header like every call, never through a link. */
    exportIncident: (id: string) => download(`/admin/v1/incidents/${path(id)}/export`, `palisade-incident-${id}.jsonl`),
  };
}

export type AdminApi = ReturnType<typeof createAdminApi>;
