import { describe, expect, it } from 'vitest';
import { createRolloutHealth, type RolloutArm, type RolloutHealthThresholds } from './rollout-health.js';

const thresholds: RolloutHealthThresholds = {
  minSamples: 200,
  maxBlockRateIncreasePoints: 2,
  maxDetectorErrorPercent: 1,
  maxP99LatencyMs: 50,
  maxUserReports: 3,
};

/** A clock the test moves, and a health fed by it. */
function setup() {
  let time = Date.UTC(2030, 0, 1);
  const health = createRolloutHealth({ now: () => time });
  return {
    health,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

interface Traffic {
  arm: RolloutArm;
  requests: number;
  /** One request in this many is blocked (0: none). */
  blockEvery?: number;
  errorEvery?: number;
  /** Latency of request i. */
  latency?: (index: number) => number;
}

/** Feeds `requests` outcomes spread evenly over `overMs`, interleaving the arms as traffic does. */
function feed(context: ReturnType<typeof setup>, overMs: number, traffic: Traffic[]): void {
  const total = Math.max(...traffic.map((each) => each.requests));
  for (let index = 0; index < total; index += 1) {
    for (const each of traffic) {
      if (index >= each.requests) continue;
      context.health.record({
        arm: each.arm,
        blocked: each.blockEvery !== undefined && each.blockEvery > 0 && index % each.blockEvery === 0,
        detectorError: each.errorEvery !== undefined && each.errorEvery > 0 && index % each.errorEvery === 7,
        detectorLatencyMs: (each.latency ?? ((i) => 1 + (i % 5)))(index),
      });
    }
    context.advance(overMs / total);
  }
}

describe('RolloutHealth', () => {
  it('does not roll back a healthy candidate', () => {
    const context = setup();
    feed(context, 290_000, [
      { arm: 'active', requests: 3_000, blockEvery: 50, errorEvery: 1_000 },
      { arm: 'candidate', requests: 3_000, blockEvery: 40, errorEvery: 1_000 },
    ]);
    context.health.recordUserReport({ arm: 'candidate' });
    context.health.recordUserReport({ arm: 'active' });
    const check = context.health.check(thresholds);
    expect(check.reasons).toEqual([]);
    expect(check.rollBack).toBe(false);
    expect(check.active).toMatchObject({ requests: 3_000, blocked: 60, blockRatePercent: 2, detectorErrors: 3, userReports: 1 });
    expect(check.candidate).toMatchObject({ requests: 3_000, blocked: 75, blockRatePercent: 2.5, detectorErrors: 3, latencySamples: 3_000, userReports: 1 });
    expect(check.candidate.p99LatencyMs).toBeGreaterThanOrEqual(5);
    expect(check.candidate.p99LatencyMs).toBeLessThanOrEqual(5 * 1.05);
  });

  it('rolls back a candidate that blocks far more than the active policy', () => {
    const context = setup();
    feed(context, 120_000, [
      { arm: 'active', requests: 1_000, blockEvery: 50 },
      { arm: 'candidate', requests: 1_000, blockEvery: 10 },
    ]);
    const check = context.health.check(thresholds);
    expect(check.rollBack).toBe(true);
    expect(check.reasons).toEqual([
      { check: 'block_rate', message: 'candidate block rate 10.0 % vs 2.0 % active (+8.0 points > 2)', observed: 8, threshold: 2 },
    ]);
  });

  it('waits for the minimum sample in both arms before comparing block rates', () => {
    const context = setup();
    feed(context, 60_000, [
      { arm: 'active', requests: 1_000, blockEvery: 50 },
      { arm: 'candidate', requests: 150, blockEvery: 2 },
    ]);
    expect(context.health.check(thresholds).rollBack).toBe(false);
    feed(context, 10_000, [{ arm: 'candidate', requests: 50, blockEvery: 2 }]);
    expect(context.health.check(thresholds).reasons.map((reason) => reason.check)).toEqual(['block_rate']);
    // Nothing from the active arm: no comparison, however the candidate looks.
    const lonely = setup();
    feed(lonely, 60_000, [{ arm: 'candidate', requests: 1_000, blockEvery: 1 }]);
    expect(lonely.health.check(thresholds).rollBack).toBe(false);
  });

  it('rolls back on detector errors, p99 latency and user reports of the candidate', () => {
    const errors = setup();
    feed(errors, 60_000, [
      { arm: 'active', requests: 500 },
      { arm: 'candidate', requests: 500, errorEvery: 20 },
    ]);
    expect(errors.health.check(thresholds).reasons).toEqual([
      { check: 'detector_errors', message: 'candidate detector errors on 5.0 % of requests (> 1 %)', observed: 5, threshold: 1 },
    ]);

    const slow = setup();
    feed(slow, 60_000, [
      { arm: 'active', requests: 1_000 },
      // 2 % of the candidate's requests take 400 ms: its p99 is one of them.
      { arm: 'candidate', requests: 1_000, latency: (index) => (index % 50 === 0 ? 400 : 3) },
    ]);
    const [latency] = slow.health.check(thresholds).reasons;
    expect(latency?.check).toBe('detector_latency');
    expect(latency?.observed).toBeGreaterThanOrEqual(400);
    expect(latency?.observed).toBeLessThanOrEqual(420);
    // The active arm's latency does not matter.
    const activeSlow = setup();
    feed(activeSlow, 60_000, [
      { arm: 'active', requests: 1_000, latency: () => 900 },
      { arm: 'candidate', requests: 1_000 },
    ]);
    expect(activeSlow.health.check(thresholds).rollBack).toBe(false);

    const reported = setup();
    feed(reported, 60_000, [
      { arm: 'active', requests: 10 },
      { arm: 'candidate', requests: 10 },
    ]);
    for (let count = 0; count < 4; count += 1) reported.health.recordUserReport({ arm: 'candidate' });
    // Too few candidate requests yet: a handful of reports on a tiny share cannot roll a rollout back.
    expect(reported.health.check(thresholds).rollBack).toBe(false);
    feed(reported, 60_000, [{ arm: 'candidate', requests: 200 }]);
    expect(reported.health.check({ ...thresholds, maxUserReports: 4 }).rollBack).toBe(false);
    expect(reported.health.check(thresholds).reasons).toEqual([
      { check: 'user_reports', message: '4 user reports on the candidate in the window (> 3)', observed: 4, threshold: 3 },
    ]);
  });

  it('forgets outcomes once they leave the five-minute window, a ten-second bucket at a time', () => {
    const context = setup();
    feed(context, 10_000, [
      { arm: 'active', requests: 1_000, blockEvery: 50 },
      { arm: 'candidate', requests: 1_000, blockEvery: 5 },
    ]);
    expect(context.health.check(thresholds).rollBack).toBe(true);
    // A healthy stretch: the regression still weighs in the window...
    feed(context, 280_000, [
      { arm: 'active', requests: 2_000, blockEvery: 50 },
      { arm: 'candidate', requests: 2_000, blockEvery: 50 },
    ]);
    expect(context.health.windows().candidate.requests).toBe(3_000);
    expect(context.health.check(thresholds).rollBack).toBe(true);
    // ...until its buckets are older than five minutes.
    context.advance(20_000);
    const { candidate } = context.health.windows();
    expect(candidate.requests).toBeLessThan(2_100);
    expect(context.health.check(thresholds).rollBack).toBe(false);
    context.advance(300_000);
    expect(context.health.windows()).toEqual({
      active: { requests: 0, blocked: 0, blockRatePercent: 0, detectorErrors: 0, detectorErrorPercent: 0, latencySamples: 0, userReports: 0 },
      candidate: { requests: 0, blocked: 0, blockRatePercent: 0, detectorErrors: 0, detectorErrorPercent: 0, latencySamples: 0, userReports: 0 },
    });
  });

  it('reports p99 within 5 % above the exact value', () => {
    const context = setup();
    for (let ms = 1; ms <= 1_000; ms += 1) context.health.record({ arm: 'candidate', blocked: false, detectorError: false, detectorLatencyMs: ms });
    context.health.record({ arm: 'candidate', blocked: false, detectorError: false });
    const { candidate } = context.health.windows();
    expect(candidate.latencySamples).toBe(1_000);
    expect(candidate.requests).toBe(1_001);
    expect(candidate.p99LatencyMs).toBeGreaterThanOrEqual(990);
    expect(candidate.p99LatencyMs).toBeLessThanOrEqual(990 * 1.05);
  });

  it('refuses bad options and thresholds', () => {
    expect(() => createRolloutHealth({ windowMs: 15_000, bucketMs: 10_000 })).toThrow(/windowMs/);
    expect(() => createRolloutHealth({ bucketMs: 0 })).toThrow(/bucketMs/);
    const health = createRolloutHealth({ now: () => 0 });
    expect(() => health.check({ minSamples: 0 })).toThrow(/minSamples/);
    expect(() => health.check({ minSamples: 10, maxP99LatencyMs: -1 })).toThrow(/maxP99LatencyMs/);
  });
});
