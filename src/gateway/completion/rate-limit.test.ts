import { describe, expect, it } from 'vitest';
import type { Authentication } from '../../keys/authenticate.js';
import type { LimitSettings } from '../../limits/rate-limiter.js';
import { limitSubjects } from './rate-limit.js';

function caller(limits: { key?: LimitSettings; tenant?: LimitSettings }): Authentication {
  const created = new Date('2026-01-01T00:00:00Z');
  return {
    key: { id: 'key-1', prefix: 'psk_key-1', tenantId: 't', scopes: ['inference'], createdAt: created, ...(limits.key === undefined ? {} : { limits: limits.key }) },
    tenant: { id: 't', name: 'T', createdAt: created, disabled: false, ...(limits.tenant === undefined ? {} : { limits: limits.tenant }) },
  } as Authentication;
}

const defaults = {
  key: { requestsPerMinute: 300, tokensPerMinute: 500_000, concurrentRequests: 32 },
  tenant: { requestsPerMinute: 600, tokensPerMinute: 1_000_000, concurrentRequests: 64 },
};

describe('limitSubjects', () => {
  it('uses the defaults for a key and tenant that set no limits', () => {
    expect(limitSubjects(caller({}), defaults).map((subject) => subject.limits)).toEqual([defaults.key, defaults.tenant]);
  });

  it('takes each limit a key or tenant leaves unset from the defaults, so setting one does not lift the others', () => {
    const [key, tenant] = limitSubjects(caller({ key: { requestsPerMinute: 5 }, tenant: { concurrentRequests: 2 } }), defaults);
    expect(key?.limits).toEqual({ requestsPerMinute: 5, tokensPerMinute: 500_000, concurrentRequests: 32 });
    expect(tenant?.limits).toEqual({ requestsPerMinute: 600, tokensPerMinute: 1_000_000, concurrentRequests: 2 });
  });
});
