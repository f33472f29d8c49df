import { describe, expect, it } from 'vitest';
import { createAbuseResponse, scaleLimits, type AbuseStateChange } from './abuse-response.js';
import { createMemoryAbuseOverrideStore } from './memory-abuse-override-store.js';
import { createMemoryAbuseScoreStore } from './memory-abuse-score-store.js';

const minute = 60_000;
const key = { kind: 'key', id: 'key00001' } as const;
const tenant = { kind: 'tenant', id: 'acme' } as const;
const user = { kind: 'user', id: 'u-42' } as const;

/** Both stores and the response on one fake clock. */
function setup(options: { refreshMs?: number; tenantScale?: number } = {}) {
  let time = Date.parse('2030-01-01T00:00:00.000Z');
  const scores = createMemoryAbuseScoreStore({ now: () => time });
  const overrides = createMemoryAbuseOverrideStore();
  const changes: AbuseStateChange[] = [];
  const errors: unknown[] = [];
  const build = () =>
    createAbuseResponse({
      scores,
      overrides,
      now: () => new Date(time),
      onStateChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
      ...(options.refreshMs === undefined ? {} : { overrideRefreshMs: options.refreshMs }),
      ...(options.tenantScale === undefined ? {} : { tenantScale: options.tenantScale }),
    });
  return {
    abuse: build(),
    build,
    changes,
    errors,
    advance: (ms: number) => {
      time += ms;
    },
    at: (ms = 0) => new Date(time + ms),
  };
}

describe('abuse response', () => {
  it('puts a tenant\'s rungs tenantScale times higher than a key\'s', async () => {
    const { abuse } = setup({ tenantScale: 3 });
    // Default ladder: throttled at 10, suspended at 30; a critical violation weighs 30.
    expect(await abuse.recordViolation({ subject: key, severity: 'critical' })).toMatchObject({ state: 'suspended' });
    expect(await abuse.recordViolation({ subject: tenant, severity: 'critical' })).toMatchObject({ state: 'throttled' });
    expect(await abuse.recordViolation({ subject: tenant, severity: 'critical' })).toMatchObject({ state: 'throttled' });
    expect(await abuse.recordViolation({ subject: tenant, severity: 'critical' })).toMatchObject({ state: 'suspended' });
    expect(() => setup({ tenantScale: 0 }).build()).toThrow(/tenantScale/);
  });

  it('climbs the default ladder by severity weights and reports each change once', async () => {
    const { abuse, changes, at } = setup();
    const start = at();
    expect(await abuse.recordViolation({ subject: key, severity: 'medium' })).toEqual({ state: 'normal', source: 'automatic', limitFactor: 1 });
    for (let index = 0; index < 2; index++) await abuse.recordViolation({ subject: key, severity: 'medium' });
    expect(changes).toEqual([]);
    // 3 + 3 + 3 + 1 = 10: throttled for 15 minutes, limits at a quarter.
    expect(await abuse.recordViolation({ subject: key, severity: 'low' })).toEqual({ state: 'throttled', until: new Date(start.getTime() + 15 * minute), source: 'automatic', limitFactor: 0.25 });
    expect(await abuse.recordViolation({ subject: key, severity: 'low' })).toMatchObject({ state: 'throttled' });
    // 11 + 30: suspended for an hour.
    expect(await abuse.recordViolation({ subject: key, severity: 'critical', at: new Date(0) })).toEqual({ state: 'suspended', until: new Date(start.getTime() + 60 * minute), source: 'automatic', limitFactor: 0 });
    expect(changes).toEqual([
      { subject: key, cause: 'escalated', from: 'normal', to: 'throttled', until: new Date(start.getTime() + 15 * minute), at: start, score: 10, severity: 'low', masked: false },
      { subject: key, cause: 'escalated', from: 'throttled', to: 'suspended', until: new Date(start.getTime() + 60 * minute), at: new Date(0), score: 41, severity: 'critical', masked: false },
    ]);
    expect(await abuse.state(tenant)).toEqual({ state: 'normal', source: 'automatic', limitFactor: 1 });
  });

  it('lets states expire with time, and the window forget', async () => {
    const { abuse, advance } = setup();
    await abuse.recordViolation({ subject: user, severity: 'high' });
    expect((await abuse.state(user)).state).toBe('throttled');
    advance(15 * minute - 1);
    expect((await abuse.state(user)).state).toBe('throttled');
    advance(1);
    expect(await abuse.state(user)).toEqual({ state: 'normal', source: 'automatic', limitFactor: 1 });
    // Ten minutes later the high violation has left the window: one more is not a second strike.
    expect(await abuse.recordViolation({ subject: user, severity: 'medium' })).toMatchObject({ state: 'normal' });
  });

  it('gives an override precedence until it expires, and keeps counting underneath', async () => {
    const { abuse, changes, advance, at } = setup({ tenantScale: 1 });
    await abuse.recordViolation({ subject: key, severity: 'critical' });
    const lifted = await abuse.override({ subject: key, state: 'normal', until: at(10 * minute), reason: 'false positive: security test', by: 'admin001' });
    expect(lifted).toEqual({ state: 'normal', until: at(10 * minute), source: 'override', limitFactor: 1, reason: 'false positive: security test' });
    expect(changes.at(-1)).toEqual({ subject: key, cause: 'override-set', from: 'suspended', to: 'normal', until: at(10 * minute), at: at(), by: 'admin001', reason: 'false positive: security test' });
    // An escalation under the override is recorded and reported as masked.
    const masked = await abuse.recordViolation({ subject: { kind: 'key', id: 'other' }, severity: 'critical' });
    expect(masked.source).toBe('automatic');
    await abuse.override({ subject: tenant, state: 'normal', reason: 'trusted tenant', by: 'admin001' });
    await abuse.recordViolation({ subject: tenant, severity: 'critical' });
    expect(changes.at(-1)).toMatchObject({ subject: tenant, cause: 'escalated', to: 'suspended', masked: true });
    expect(await abuse.state(tenant)).toMatchObject({ state: 'normal', source: 'override' });

    advance(10 * minute);
    // The override ended; the automatic suspension (one hour) still runs.
    expect(await abuse.state(key)).toMatchObject({ state: 'suspended', source: 'automatic' });
    // A manual suspension wins over a normal automatic state too, without an end.
    const suspended = await abuse.override({ subject: user, state: 'suspended', reason: 'reported by the customer', by: 'cli' });
    expect(suspended).toEqual({ state: 'suspended', source: 'override', limitFactor: 0, reason: 'reported by the customer' });
    advance(1_000 * minute);
    expect((await abuse.state(user)).state).toBe('suspended');
  });

  it('clears an override back to the automatic state, reporting it', async () => {
    const { abuse, changes } = setup();
    await abuse.recordViolation({ subject: key, severity: 'high' });
    await abuse.override({ subject: key, state: 'suspended', reason: 'investigating', by: 'admin001' });
    const cleared = await abuse.clearOverride({ subject: key, by: 'admin002', reason: 'done' });
    expect(cleared).toMatchObject({ state: 'throttled', source: 'automatic', limitFactor: 0.25 });
    expect(changes.at(-1)).toMatchObject({ subject: key, cause: 'override-cleared', from: 'suspended', to: 'throttled', by: 'admin002', reason: 'done' });
    // Nothing to clear: no event.
    const count = changes.length;
    await abuse.clearOverride({ subject: key, by: 'admin002', reason: 'again' });
    expect(changes).toHaveLength(count);
    await abuse.resetScore(key);
    expect((await abuse.state(key)).state).toBe('normal');
  });

  it('sees another replica’s override once its cache is refreshed', async () => {
    const { abuse, build, advance } = setup({ refreshMs: 5_000 });
    const other = build();
    expect((await other.state(key)).state).toBe('normal');
    await abuse.override({ subject: key, state: 'suspended', reason: 'abuse', by: 'admin001' });
    expect((await abuse.state(key)).state).toBe('suspended');
    expect((await other.state(key)).state).toBe('normal');
    advance(5_000);
    // The stale cache answers while the reload runs; the next call has it.
    await other.state(key);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await other.state(key)).state).toBe('suspended');
  });

  it('answers for the strictest of a request’s subjects', async () => {
    const { abuse } = setup();
    expect(await abuse.strictest([key, tenant, user])).toEqual({ state: 'normal', source: 'automatic', limitFactor: 1 });
    await abuse.recordViolation({ subject: user, severity: 'high' });
    await abuse.override({ subject: tenant, state: 'suspended', reason: 'unpaid', by: 'cli' });
    expect(await abuse.strictest([key, user, tenant])).toMatchObject({ state: 'suspended', subject: tenant, source: 'override' });
    expect(await abuse.strictest([key, user])).toMatchObject({ state: 'throttled', subject: user, limitFactor: 0.25 });
    expect(await abuse.strictest([])).toMatchObject({ state: 'normal' });
  });

  it('survives a throwing listener and refuses malformed calls', async () => {
    let time = 0;
    const errors: unknown[] = [];
    const abuse = createAbuseResponse({
      scores: createMemoryAbuseScoreStore({ now: () => time }),
      overrides: createMemoryAbuseOverrideStore(),
      now: () => new Date(time),
      policy: { throttleAt: 1, suspendAt: 2, throttleFactor: 0.5 },
      onStateChange: () => {
        throw new Error('listener broke');
      },
      onError: (error) => errors.push(error),
    });
    time = 1;
    expect(await abuse.recordViolation({ subject: key, severity: 'low' })).toMatchObject({ state: 'throttled', limitFactor: 0.5 });
    expect(errors).toHaveLength(1);
    await expect(abuse.recordViolation({ subject: key, severity: 'awful' as 'low' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(abuse.override({ subject: key, state: 'suspended', reason: '', by: 'x' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(abuse.clearOverride({ subject: key, by: '', reason: 'x' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(abuse.state({ kind: 'team' as 'key', id: 'x' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(() => createAbuseResponse({ scores: createMemoryAbuseScoreStore(), overrides: createMemoryAbuseOverrideStore(), policy: { throttleFactor: 0 } })).toThrow(/throttleFactor/);
  });
});

describe('scaleLimits', () => {
  it('scales each limit down, keeping at least 1, and leaves absent limits absent', () => {
    expect(scaleLimits({ requestsPerMinute: 60, tokensPerMinute: 10_000, concurrentRequests: 2 }, 0.25)).toEqual({ requestsPerMinute: 15, tokensPerMinute: 2_500, concurrentRequests: 1 });
    expect(scaleLimits({ requestsPerMinute: 60 }, 1)).toEqual({ requestsPerMinute: 60 });
    expect(scaleLimits({}, 0.25)).toEqual({});
  });
});
