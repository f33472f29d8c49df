import { describe, expect, it } from 'vitest';
import { bucketOf, inCandidate, rolloutSubject, ROLLOUT_BUCKETS } from './rollout-bucket.js';
import type { Rollout } from './rollout.js';

const rollout = (percent: number, overrides: Partial<Pick<Rollout, 'id' | 'bucketBy' | 'status'>> = {}) =>
  ({ id: 'rol_test', percent, bucketBy: 'key', status: 'running', ...overrides }) as const satisfies Pick<Rollout, 'id' | 'percent' | 'bucketBy' | 'status'>;

const keys = Array.from({ length: 10_000 }, (_, index) => `key${index.toString().padStart(5, '0')}`);

describe('bucketOf', () => {
  it('is a stable bucket from 0 to 9,999 for a rollout and a subject', () => {
    const bucket = bucketOf({ rolloutId: 'rol_a', subject: 'key:k1' });
    expect(bucketOf({ rolloutId: 'rol_a', subject: 'key:k1' })).toBe(bucket);
    for (const key of keys.slice(0, 1_000)) {
      const each = bucketOf({ rolloutId: 'rol_a', subject: key });
      expect(Number.isInteger(each) && each >= 0 && each < ROLLOUT_BUCKETS).toBe(true);
    }
    // The two parts are kept apart, not concatenated.
    expect(bucketOf({ rolloutId: 'ab', subject: 'c' })).not.toBe(bucketOf({ rolloutId: 'a', subject: 'bc' }));
  });

  it('spreads subjects evenly over the buckets', () => {
    const tenths = new Array<number>(10).fill(0);
    for (const key of keys) {
      const tenth = Math.floor(bucketOf({ rolloutId: 'rol_even', subject: key }) / 1_000);
      tenths[tenth] = (tenths[tenth] ?? 0) + 1;
    }
    // 1,000 expected per tenth; the binomial standard deviation is 30.
    for (const count of tenths) expect(Math.abs(count - 1_000)).toBeLessThan(150);
  });
});

describe('inCandidate', () => {
  const share = (percent: number, id = 'rol_split'): number => keys.filter((keyId) => inCandidate({ rollout: rollout(percent, { id }), tenantId: 't1', keyId })).length;

  it('puts close to the percent of 10,000 subjects in the candidate arm', () => {
    // Binomial standard deviations: 10 at 1 %, 22 at 5 %, 43 at 25 %. Allow about four.
    expect(Math.abs(share(1) - 100)).toBeLessThanOrEqual(40);
    expect(Math.abs(share(5) - 500)).toBeLessThanOrEqual(90);
    expect(Math.abs(share(25) - 2_500)).toBeLessThanOrEqual(175);
    expect(Math.abs(share(50, 'rol_other') - 5_000)).toBeLessThanOrEqual(200);
    expect(share(0)).toBe(0);
    expect(share(100)).toBe(10_000);
  });

  it('keeps every subject in its arm as the percent grows: one in at 5 % is in at 25 %', () => {
    const stages = [0.5, 1, 5, 25, 60, 100];
    let previous = new Set<string>();
    for (const percent of stages) {
      const current = new Set(keys.filter((keyId) => inCandidate({ rollout: rollout(percent), tenantId: 't1', keyId })));
      for (const keyId of previous) expect(current.has(keyId)).toBe(true);
      expect(current.size).toBeGreaterThanOrEqual(previous.size);
      previous = current;
    }
  });

  it('draws other subjects for another rollout', () => {
    const inA = keys.filter((keyId) => inCandidate({ rollout: rollout(10, { id: 'rol_a' }), tenantId: 't1', keyId }));
    const inB = new Set(keys.filter((keyId) => inCandidate({ rollout: rollout(10, { id: 'rol_b' }), tenantId: 't1', keyId })));
    const both = inA.filter((keyId) => inB.has(keyId)).length;
    // Independent draws share about 10 % of 10 %: 100 of 10,000.
    expect(both).toBeGreaterThan(40);
    expect(both).toBeLessThan(180);
  });

  it('buckets by tenant, key or end user; an end user without an id falls back to the key', () => {
    expect(rolloutSubject('tenant', { tenantId: 't1', keyId: 'k1', endUserId: 'u1' })).toBe('tenant:t1');
    expect(rolloutSubject('key', { tenantId: 't1', keyId: 'k1', endUserId: 'u1' })).toBe('key:k1');
    expect(rolloutSubject('end_user', { tenantId: 't1', keyId: 'k1', endUserId: 'u1' })).toBe('end_user:t1:u1');
    expect(rolloutSubject('end_user', { tenantId: 't1', keyId: 'k1' })).toBe('key:k1');
    expect(rolloutSubject('end_user', { tenantId: 't1', keyId: 'k1', endUserId: '' })).toBe('key:k1');
    // The same end-user id of two tenants is two people.
    expect(rolloutSubject('end_user', { tenantId: 't2', keyId: 'k9', endUserId: 'u1' })).not.toBe(rolloutSubject('end_user', { tenantId: 't1', keyId: 'k1', endUserId: 'u1' }));

    // Every key of a tenant shares the tenant's arm.
    const tenantRollout = rollout(50, { bucketBy: 'tenant' });
    const arms = new Set(keys.slice(0, 50).map((keyId) => inCandidate({ rollout: tenantRollout, tenantId: 'acme', keyId })));
    expect(arms.size).toBe(1);
    // One key's end users are split between the arms.
    const userRollout = rollout(50, { bucketBy: 'end_user' });
    const userArms = keys.slice(0, 200).map((endUserId) => inCandidate({ rollout: userRollout, tenantId: 'acme', keyId: 'k1', endUserId }));
    expect(userArms.filter(Boolean).length).toBeGreaterThan(60);
    expect(userArms.filter((arm) => !arm).length).toBeGreaterThan(60);
    const fallback = inCandidate({ rollout: userRollout, tenantId: 'acme', keyId: 'k1' });
    expect(fallback).toBe(inCandidate({ rollout: rollout(50, { bucketBy: 'key' }), tenantId: 'acme', keyId: 'k1' }));
  });

  it('is false for a rollout that is not running', () => {
    for (const status of ['completed', 'rolled_back', 'aborted'] as const) expect(inCandidate({ rollout: rollout(100, { status }), tenantId: 't1', keyId: 'k1' })).toBe(false);
  });
});
