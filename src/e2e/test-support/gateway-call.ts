/**
 * Plain HTTP calls to a running test gateway, for the admin API, CLI and observability tests:
 * the admin API has no SDK, and these tests check status codes and bodies exactly.
 */

export interface CallResult<Body = Record<string, unknown>> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or `undefined` when the body is not JSON. */
  body: Body;
  text: string;
}

export interface WireError {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface WireTenant {
  object: 'tenant';
  id: string;
  name: string;
  limits: Record<string, number> | null;
  disabled: boolean;
}

export interface WireKey {
  object: 'api_key';
  id: string;
  prefix: string;
  tenant_id: string;
  scopes: string[];
  /** Only in the answers to create and rotate. */
  key?: string;
  revoked_at: string | null;
  replaced_by: string | null;
  grace_until: string | null;
  limits: Record<string, number> | null;
  previous?: WireKey;
}

export interface WireList<Item> {
  object: 'list';
  data: Item[];
  next_cursor?: string | null;
}

/** An audit event as `GET /admin/v1/audit/events` returns it. */
export interface WireAuditEvent {
  id: string;
  type: string;
  time: string;
  tenantId?: string;
  actor?: string;
  action?: string;
  status?: number;
  model?: string;
  data: Record<string, unknown>;
  writer_id: string;
  seq: number;
  hash: string;
}

export async function gatewayCall<Body = Record<string, unknown>>(
  url: string,
  options: { path: string; key?: string; method?: string; body?: unknown; headers?: Record<string, string> },
): Promise<CallResult<Body>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${options.path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body: body as Body, text };
}

/** One OpenAI chat completion (non-streaming) through the gateway. */
export function chat(url: string, options: { key: string; content: string; model?: string; stream?: boolean }): Promise<CallResult> {
  return gatewayCall(url, {
    path: '/v1/chat/completions',
    key: options.key,
    body: { model: options.model ?? 'palisade-demo', messages: [{ role: 'user', content: options.content }], ...(options.stream === true ? { stream: true } : {}) },
  });
}

/** A Luhn-valid 16-digit number made up at test time (not a real card), so no card number sits in the sources. */
export function madeUpCardNumber(seed: number): string {
  let state = seed >>> 0;
  const digits = [4];
  while (digits.length < 15) {
    state = (state * 1664525 + 1013904223) >>> 0;
    digits.push(state % 10);
  }
  let sum = 0;
  // Doubling starts at the rightmost payload digit, which sits next to the check digit.
  digits.forEach((digit, index) => {
    const fromRight = digits.length - 1 - index;
    const value = fromRight % 2 === 0 ? digit * 2 : digit;
    sum += value > 9 ? value - 9 : value;
  });
  return [...digits, (10 - (sum % 10)) % 10].join('');
}
