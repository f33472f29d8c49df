import { PalisadeError } from '../core/errors.js';
import type { Authentication } from './authenticate.js';
import { hasScope, type Scope } from './scopes.js';

/** Throws `forbidden` unless the caller's key grants `scope` (`operator` grants `admin` too). */
export function requireScope(auth: Authentication, scope: Scope): void {
  if (!hasScope(auth.key.scopes, scope)) throw new PalisadeError('forbidden', `this API key lacks the "${scope}" scope`);
}

/**
 * Throws `forbidden` unless the caller holds every scope it wants to put on a key, or that a key
 * it wants to change holds: an `admin` must not be able to mint, rotate or revoke an `operator`
 * key and so escape its tenant.
 */
export function requireGrantableScopes(auth: Authentication, scopes: readonly Scope[]): void {
  for (const scope of scopes) {
    if (!hasScope(auth.key.scopes, scope)) throw new PalisadeError('forbidden', `this API key cannot grant, or manage a key with, the "${scope}" scope it lacks`);
  }
}
