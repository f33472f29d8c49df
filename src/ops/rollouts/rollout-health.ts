/**
 * Health of a running rollout, for automatic roll-back: each replica keeps its own sliding
 * windows in memory (nothing is shared, nothing is stored) of the outcomes of both arms, and
 * `check` says whether the candidate crossed a threshold. A replica that finds it should roll
 * back calls `RolloutStore.rollBack` with `ifVersion`; the others then see the rollout ended.
 *
 * The window is the last `windowMs` (default 5 minutes) in `bucketMs` buckets (default 10 s):
 * memory is fixed whatever the traffic, and a bucket leaves the window whole. Time is the
 * injected clock's, read when an outcome is recorded and when `check` runs, so a test drives it.
 *
 * In shadow mode both arms are evaluated on the same requests, so their block rates compare
 * like with like. In enforce mode each arm has its own subjects: a tenant-bucketed rollout can
 * differ by who is in which arm, so set the block-rate threshold with that in mind.
 *
 * Latency percentiles come from a histogram whose bins grow by 5 %: the p99 reported is the
 * upper edge of the bin holding it: at most 5 % above the exact value.
 */
import { PalisadeError } from '../../core/errors.js';

export type RolloutArm = 'active' | 'candidate';

export interface RolloutRequestOutcome {
  arm: RolloutArm;
  /** The content was not delivered (block, escalate, require_approval). */
  blocked: boolean;
  /** At least one detector failed (exception, timeout, invalid result). */
  detectorError: boolean;
  /** The checks' time for this request, when measured. */
  detectorLatencyMs?: number;
}

export interface RolloutHealthThresholds {
  /**
   * The fewest requests an arm needs in the window before its rates count (the block rate needs
   * them in both arms; the error rate and the latency in the candidate's).
   */
  minSamples: number;
  /** Roll back when the candidate's block rate exceeds the active one's by more than this many percentage points. */
  maxBlockRateIncreasePoints?: number;
  /** Roll back when more than this percent of the candidate's requests had a detector error. */
  maxDetectorErrorPercent?: number;
  /** Roll back when the candidate's p99 detector latency is above this. */
  maxP99LatencyMs?: number;
  /** Roll back when the candidate's requests drew more user reports than this in the window (counted once it has `minSamples` requests, so a few reports on a tiny share cannot roll back a rollout). */
  maxUserReports?: number;
}

export interface RolloutArmWindow {
  requests: number;
  blocked: number;
  /** 0 to 100; 0 without requests. */
  blockRatePercent: number;
  detectorErrors: number;
  /** 0 to 100; 0 without requests. */
  detectorErrorPercent: number;
  /** Requests with a latency measured. */
  latencySamples: number;
  /** Absent without latency samples. */
  p99LatencyMs?: number;
  userReports: number;
}

export type RolloutHealthCheckName = 'block_rate' | 'detector_errors' | 'detector_latency' | 'user_reports';

export interface RolloutHealthReason {
  check: RolloutHealthCheckName;
  /** Plain words for the roll-back's reason, e.g. `candidate block rate 9.0 % vs 2.0 % active (+7.0 points > 5)`. */
  message: string;
  observed: number;
  threshold: number;
}

export interface RolloutHealthCheck {
  rollBack: boolean;
  reasons: RolloutHealthReason[];
  active: RolloutArmWindow;
  candidate: RolloutArmWindow;
}

export interface RolloutHealthOptions {
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Default 300,000 (5 minutes); a whole number of buckets. */
  windowMs?: number;
  /** Default 10,000. */
  bucketMs?: number;
}

export interface RolloutHealth {
  record(outcome: RolloutRequestOutcome): void;
  /** A user reported an answer of this arm (counted when reported, not when answered). */
  recordUserReport(report: { arm: RolloutArm }): void;
  /** The two arms' windows as of now. */
  windows(): { active: RolloutArmWindow; candidate: RolloutArmWindow };
  check(thresholds: RolloutHealthThresholds): RolloutHealthCheck;
}

/** Histogram bins: bin 0 holds up to 0.1 ms, bin i up to 0.1 × 1.05^i ms; the last holds everything above. */
const LATENCY_BASE_MS = 0.1;
const LATENCY_GROWTH = 1.05;
const LATENCY_BINS = 320; // 0.1 × 1.05^319 ≈ 5.7 million ms: above any timeout.

interface Bucket {
  /** `floor(time / bucketMs)` of the bucket's period; -1 when unused. */
  period: number;
  requests: number;
  blocked: number;
  errors: number;
  reports: number;
  latencies: Uint32Array;
  latencySamples: number;
}

export function createRolloutHealth(options: RolloutHealthOptions = {}): RolloutHealth {
  const now = options.now ?? Date.now;
  const bucketMs = options.bucketMs ?? 10_000;
  const windowMs = options.windowMs ?? 300_000;
  if (!(Number.isSafeInteger(bucketMs) && bucketMs >= 1)) invalid('bucketMs', 'must be a whole number of milliseconds, 1 or more');
  if (!(Number.isSafeInteger(windowMs) && windowMs >= bucketMs && windowMs % bucketMs === 0 && windowMs / bucketMs <= 10_000)) {
    invalid('windowMs', 'must be a whole number of buckets (at most 10,000)');
  }
  const size = windowMs / bucketMs;
  const arms: Record<RolloutArm, Bucket[]> = {
    active: Array.from({ length: size }, emptyBucket),
    candidate: Array.from({ length: size }, emptyBucket),
  };

  /** The bucket for now, cleared if it last held an older period. */
  function bucketNow(arm: RolloutArm): Bucket {
    const period = Math.floor(now() / bucketMs);
    const bucket = arms[arm][((period % size) + size) % size] as Bucket;
    if (bucket.period !== period) {
      bucket.period = period;
      bucket.requests = bucket.blocked = bucket.errors = bucket.reports = bucket.latencySamples = 0;
      bucket.latencies.fill(0);
    }
    return bucket;
  }

  function window(arm: RolloutArm): RolloutArmWindow {
    const current = Math.floor(now() / bucketMs);
    let requests = 0;
    let blocked = 0;
    let errors = 0;
    let reports = 0;
    let latencySamples = 0;
    const latencies = new Uint32Array(LATENCY_BINS);
    for (const bucket of arms[arm]) {
      if (bucket.period > current || bucket.period <= current - size) continue;
      requests += bucket.requests;
      blocked += bucket.blocked;
      errors += bucket.errors;
      reports += bucket.reports;
      latencySamples += bucket.latencySamples;
      if (bucket.latencySamples > 0) for (let bin = 0; bin < LATENCY_BINS; bin += 1) latencies[bin] = (latencies[bin] as number) + (bucket.latencies[bin] as number);
    }
    const result: RolloutArmWindow = {
      requests,
      blocked,
      blockRatePercent: requests === 0 ? 0 : (100 * blocked) / requests,
      detectorErrors: errors,
      detectorErrorPercent: requests === 0 ? 0 : (100 * errors) / requests,
      latencySamples,
      userReports: reports,
    };
    if (latencySamples > 0) result.p99LatencyMs = percentile(latencies, latencySamples, 0.99);
    return result;
  }

  return {
    record(outcome) {
      const bucket = bucketNow(outcome.arm);
      bucket.requests += 1;
      if (outcome.blocked) bucket.blocked += 1;
      if (outcome.detectorError) bucket.errors += 1;
      const latency = outcome.detectorLatencyMs;
      if (latency !== undefined && Number.isFinite(latency) && latency >= 0) {
        const bin = latencyBin(latency);
        bucket.latencies[bin] = (bucket.latencies[bin] as number) + 1;
        bucket.latencySamples += 1;
      }
    },

    recordUserReport({ arm }) {
      bucketNow(arm).reports += 1;
    },

    windows() {
      return { active: window('active'), candidate: window('candidate') };
    },

    check(thresholds) {
      checkThresholds(thresholds);
      const active = window('active');
      const candidate = window('candidate');
      const reasons: RolloutHealthReason[] = [];
      const enough = (arm: RolloutArmWindow): boolean => arm.requests >= thresholds.minSamples;
      const { maxBlockRateIncreasePoints, maxDetectorErrorPercent, maxP99LatencyMs, maxUserReports } = thresholds;
      if (maxBlockRateIncreasePoints !== undefined && enough(active) && enough(candidate)) {
        const increase = candidate.blockRatePercent - active.blockRatePercent;
        if (increase > maxBlockRateIncreasePoints) {
          reasons.push({
            check: 'block_rate',
            message: `candidate block rate ${candidate.blockRatePercent.toFixed(1)} % vs ${active.blockRatePercent.toFixed(1)} % active (+${increase.toFixed(1)} points > ${maxBlockRateIncreasePoints})`,
            observed: increase,
            threshold: maxBlockRateIncreasePoints,
          });
        }
      }
      if (maxDetectorErrorPercent !== undefined && enough(candidate) && candidate.detectorErrorPercent > maxDetectorErrorPercent) {
        reasons.push({
          check: 'detector_errors',
          message: `candidate detector errors on ${candidate.detectorErrorPercent.toFixed(1)} % of requests (> ${maxDetectorErrorPercent} %)`,
          observed: candidate.detectorErrorPercent,
          threshold: maxDetectorErrorPercent,
        });
      }
      if (maxP99LatencyMs !== undefined && candidate.latencySamples >= thresholds.minSamples && candidate.p99LatencyMs !== undefined && candidate.p99LatencyMs > maxP99LatencyMs) {
        reasons.push({
          check: 'detector_latency',
          message: `candidate p99 detector latency ${candidate.p99LatencyMs.toFixed(1)} ms (> ${maxP99LatencyMs} ms)`,
          observed: candidate.p99LatencyMs,
          threshold: maxP99LatencyMs,
        });
      }
      if (maxUserReports !== undefined && enough(candidate) && candidate.userReports > maxUserReports) {
        reasons.push({
          check: 'user_reports',
          message: `${candidate.userReports} user reports on the candidate in the window (> ${maxUserReports})`,
          observed: candidate.userReports,
          threshold: maxUserReports,
        });
      }
      return { rollBack: reasons.length > 0, reasons, active, candidate };
    },
  };
}

function emptyBucket(): Bucket {
  return { period: -1, requests: 0, blocked: 0, errors: 0, reports: 0, latencies: new Uint32Array(LATENCY_BINS), latencySamples: 0 };
}

function latencyBin(ms: number): number {
  if (ms <= LATENCY_BASE_MS) return 0;
  // The smallest i with 0.1 × 1.05^i ≥ ms; the epsilon keeps an exact edge in its own bin.
  const bin = Math.ceil(Math.log(ms / LATENCY_BASE_MS) / Math.log(LATENCY_GROWTH) - 1e-9);
  return Math.min(bin, LATENCY_BINS - 1);
}

function binUpperEdge(bin: number): number {
  return LATENCY_BASE_MS * LATENCY_GROWTH ** bin;
}

/** The upper edge of the bin holding the q-quantile (nearest rank). */
function percentile(histogram: Uint32Array, samples: number, q: number): number {
  const rank = Math.ceil(q * samples);
  let seen = 0;
  for (let bin = 0; bin < histogram.length; bin += 1) {
    seen += histogram[bin] as number;
    if (seen >= rank) return binUpperEdge(bin);
  }
  return binUpperEdge(histogram.length - 1);
}

function checkThresholds(thresholds: RolloutHealthThresholds): void {
  if (!(Number.isSafeInteger(thresholds.minSamples) && thresholds.minSamples >= 1)) invalid('minSamples', 'must be a whole number, 1 or more');
  for (const name of ['maxBlockRateIncreasePoints', 'maxDetectorErrorPercent', 'maxP99LatencyMs', 'maxUserReports'] as const) {
    const value = thresholds[name];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) invalid(name, 'must be a number, 0 or more');
  }
}

function invalid(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `rollout health: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
