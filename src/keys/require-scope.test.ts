import { describe, expect, it } from 'vitest';
import type { Authentication } from './authenticate.js';
import { requireGrantableScopes, requireScope } from './require-scope.js';
import type { Scope } from './scopes.js';
import { canSeeTenant, visibleTenantFilter } from './tenant-visibility.js';

function caller(scopes: Scope[], tenantId = 'acme'): Authentication {
  const createdAt = new Date('2030-01-01T00:00:00.000Z');
  return {
    key: { id: 'abcdefg2', prefix: 'psk_abcdefg2', tenantId, name: '', scopes, createdAt },
    tenant: { id: tenantId, name: 'Acme', limits: {}, createdAt, disabled: false },
  };
}

describe('requireScope', () => {
  it('refuses a missing scope with forbidden', () => {
    expect(() => requireScope(caller(['inference']), 'inference')).not.toThrow();
    expect(() => requireScope(caller(['inference']), 'admin')).toThrow(expect.objectContaining({ code: 'forbidden', status: 403 }));
    expect(() => requireScope(caller(['admin']), 'inference')).toThrow(/lacks the "inference" scope/);
    expect(() => requireScope(caller(['admin']), 'operator')).toThrow(/lacks the "operator" scope/);
    expect(() => requireScope(caller(['operator']), 'admin')).not.toThrow();
  });
});

describe('requireGrantableScopes', () => {
  it('lets a caller grant only scopes it holds', () => {
    expect(() => requireGrantableScopes(caller(['admin', 'inference']), ['inference', 'admin'])).not.toThrow();
    expect(() => requireGrantableScopes(caller(['admin']), ['operator'])).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => requireGrantableScopes(caller(['admin']), ['inference'])).toThrow(/cannot grant, or manage a key with, the "inference" scope/);
    expect(() => requireGrantableScopes(caller(['operator']), ['admin', 'operator'])).not.toThrow();
  });
});

describe('tenant visibility', () => {
  it('shows an admin its own tenant only, an operator every tenant', () => {
    expect(canSeeTenant(caller(['admin']), 'acme')).toBe(true);
    expect(canSeeTenant(caller(['admin']), 'beta')).toBe(false);
    expect(canSeeTenant(caller(['operator']), 'beta')).toBe(true);
    expect(visibleTenantFilter(caller(['admin', 'inference']))).toBe('acme');
    expect(visibleTenantFilter(caller(['operator']))).toBeUndefined();
  });
});
