import { z } from 'zod';

/**
 * What an API key may do, a closed list:
 * - `inference`: call the `/v1` model endpoints;
 * - `admin`: manage its own tenant's keys and read its own tenant's audit log;
 * - `operator`: everything `admin` may do, for every tenant, plus creating tenants and
 *   verifying the whole audit chain.
 */
export const scopes = ['inference', 'admin', 'operator'] as const;

export type Scope = (typeof scopes)[number];

export const scopeSchema = z.enum(scopes);

/** A non-empty set of known scopes, without duplicates (the order given is kept). */
export const scopeListSchema = z
  .array(scopeSchema)
  .min(1, 'an API key needs at least one scope')
  .transform((list) => [...new Set(list)]);

/** `operator` includes `admin` (for every tenant); nothing else implies another scope. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  if (granted.includes(needed)) return true;
  return needed === 'admin' && granted.includes('operator');
}
