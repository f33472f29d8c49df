import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { formatPath } from '../../core/format-path.js';
import type { ApiKeyRecord, Tenant } from '../../keys/key-store.js';
import type { LimitSettings } from '../../limits/rate-limiter.js';

/** Admin API bodies are snake_case on the wire and camelCase inside; these convert at the edge. */

export const wireLimitsSchema = z
  .object({
    requests_per_minute: z.number().int().positive().optional(),
    tokens_per_minute: z.number().int().positive().optional(),
    concurrent_requests: z.number().int().positive().optional(),
  })
  .strict();

export type WireLimits = z.output<typeof wireLimitsSchema>;

export function limitsFromWire(limits: WireLimits): LimitSettings {
  const settings: LimitSettings = {};
  if (limits.requests_per_minute !== undefined) settings.requestsPerMinute = limits.requests_per_minute;
  if (limits.tokens_per_minute !== undefined) settings.tokensPerMinute = limits.tokens_per_minute;
  if (limits.concurrent_requests !== undefined) settings.concurrentRequests = limits.concurrent_requests;
  return settings;
}

export function limitsToWire(limits: LimitSettings | undefined): WireLimits | null {
  if (limits === undefined) return null;
  const wire: WireLimits = {};
  if (limits.requestsPerMinute !== undefined) wire.requests_per_minute = limits.requestsPerMinute;
  if (limits.tokensPerMinute !== undefined) wire.tokens_per_minute = limits.tokensPerMinute;
  if (limits.concurrentRequests !== undefined) wire.concurrent_requests = limits.concurrentRequests;
  return wire;
}

const iso = (date: Date | undefined): string | null => (date === undefined ? null : date.toISOString());

export function keyToWire(key: ApiKeyRecord): Record<string, unknown> {
  return {
    object: 'api_key',
    id: key.id,
    prefix: key.prefix,
    tenant_id: key.tenantId,
    name: key.name,
    scopes: key.scopes,
    created_at: iso(key.createdAt),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    replaced_by: key.replacedBy ?? null,
    rotated_from: key.rotatedFrom ?? null,
    grace_until: iso(key.graceUntil),
    last_used_at: iso(key.lastUsedAt),
    limits: limitsToWire(key.limits),
  };
}

export function tenantToWire(tenant: Tenant): Record<string, unknown> {
  return { object: 'tenant', id: tenant.id, name: tenant.name, limits: limitsToWire(tenant.limits), disabled: tenant.disabled, created_at: iso(tenant.createdAt) };
}

/** Validates an admin body or query; a bad field is `invalid_request` naming it, as the OpenAI API names `param`. */
export function parseWire<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  // An unknown field is named by its own path, so `param` points at it rather than at its parent.
  const details = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' })) : [{ path: formatPath(issue.path), message: issue.message }],
  );
  const first = details[0];
  throw new PalisadeError('invalid_request', first === undefined ? 'invalid request' : `invalid ${first.path || 'body'}: ${first.message}`, { details });
}
