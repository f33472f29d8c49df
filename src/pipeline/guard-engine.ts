import { isDelivered, isTransforming } from '../core/action.js';
import type { Decision, LimitReport } from '../core/decision.js';
import type { Stage } from '../core/finding.js';
import { MaskVault } from '../core/mask-vault.js';
import type { RequestContext } from '../detectors/define-detector.js';
import type { CompiledRule, Policy, PolicyScope } from '../policy/policy.js';
import { decide, selectRules } from '../policy/resolve-findings.js';
import { NormalizedText } from '../text/normalized-text.js';
import { applyTransforms } from './apply-transforms.js';
import { segmentInput, type ChatMessage, type GuardInput, type Segment } from './guard-input.js';
import { roundMs } from './round-ms.js';
import { runDetectors, type Scan } from './run-detectors.js';

export interface CheckOptions extends PolicyScope {
  /** `input` (before the model; the default) or `output` (the model's answer). */
  stage?: Stage;
  /** Continue an earlier check's masking (its `decision.vault`), so one value keeps one placeholder across a conversation. */
  vault?: MaskVault;
  /**
   * Request data some detectors compare the text with (the system prompt, a canary token, the
   * conversation so far), handed to each as `context.request`. Read-only; never logged or put in
   * the decision. Without it those detectors find nothing.
   */
  request?: RequestContext;
}

export interface GuardEngine {
  readonly policy: Policy;
  /** Checks a text or a message list. Rejects only on invalid input (`invalid_input`); detector failures are in the decision. */
  check(input: GuardInput, options?: CheckOptions): Promise<Decision>;
}

const maxCachedScopes = 1024;

/** Copies where a text sits (message and field) onto something reported about it. */
function locate<T extends object>(target: T, from: { message?: number; field?: string }): T & { message?: number; field?: string } {
  const located: T & { message?: number; field?: string } = target;
  if (from.message !== undefined) located.message = from.message;
  if (from.field !== undefined) located.field = from.field;
  return located;
}

/** Splits segments into scans; a segment over the limit is windowed (head and tail) or refused. */
function planScans(segments: readonly Segment[], limits: Policy['limits']): { scans: Scan[]; limits: LimitReport[]; refused: boolean } {
  const scans: Scan[] = [];
  const reports: LimitReport[] = [];
  let refused = false;
  for (const segment of segments) {
    const length = segment.text.length;
    if (length === 0) continue;
    const place = (text: string, offset: number): Scan =>
      locate({ text: new NormalizedText(text, { maxEncodedSegments: limits.maxEncodedSegments }), offset, source: segment.source }, segment);
    if (length <= limits.maxChars) {
      scans.push(place(segment.text, 0));
      continue;
    }
    const window = limits.windowChars;
    const windowed = limits.oversize === 'window';
    const report: LimitReport = { limit: 'max_chars', found: length, scanned: windowed ? window * 2 : 0, handling: limits.oversize };
    reports.push(locate(report, segment));
    if (windowed) scans.push(place(segment.text.slice(0, window), 0), place(segment.text.slice(length - window), length - window));
    else refused = true;
  }
  return { scans, limits: reports, refused };
}

/** Scans whose payloads were not all decoded: what was not decoded was not scanned. */
function decodeOverflows(scans: readonly Scan[], limits: Policy['limits']): LimitReport[] {
  const reports: LimitReport[] = [];
  for (const scan of scans) {
    if (!scan.text.decodeOverflowed) continue;
    if (reports.some((existing) => existing.message === scan.message && existing.field === scan.field)) continue;
    const report: LimitReport = { limit: 'max_encoded_segments', found: limits.maxEncodedSegments, scanned: limits.maxEncodedSegments, handling: limits.encodedOverflow };
    reports.push(locate(report, scan));
  }
  return reports;
}

/**
 * The guard engine: input in, `Decision` out. It splits the input into scans, runs the stage's
 * detectors, decides through the policy (findings, failures, limits), and rewrites redacted or
 * masked spans.
 */
export function createGuardEngine(options: { policy: Policy }): GuardEngine {
  const { policy } = options;
  const detectorsByStage = {
    input: policy.detectors.filter((configured) => configured.stages.has('input')),
    output: policy.detectors.filter((configured) => configured.stages.has('output')),
  };
  const rulesByScope = new Map<string, readonly CompiledRule[]>();
  const rulesFor = (scope: PolicyScope): readonly CompiledRule[] => {
    const key = `${scope.region ?? ''}\u0000${scope.tenant ?? ''}\u0000${scope.route ?? ''}`;
    let rules = rulesByScope.get(key);
    if (rules === undefined) {
      if (rulesByScope.size >= maxCachedScopes) rulesByScope.clear();
      rulesByScope.set(key, (rules = selectRules(policy, scope)));
    }
    return rules;
  };

  async function check(input: GuardInput, checkOptions: CheckOptions = {}): Promise<Decision> {
    const started = performance.now();
    const stage = checkOptions.stage ?? 'input';
    const segments = segmentInput(input, stage);
    const plan = planScans(segments, policy.limits);
    const ran = plan.refused || plan.scans.length === 0 ? [] : runDetectors({ detectors: detectorsByStage[stage], scans: plan.scans, stage, request: checkOptions.request });
    const outcomes = ran instanceof Promise ? await ran : ran;
    const findings = outcomes.flatMap((outcome) => outcome.findings);
    const errors = outcomes.flatMap((outcome) => (outcome.failure === undefined ? [] : [outcome.failure]));
    const limits = [...plan.limits, ...decodeOverflows(plan.scans, policy.limits)];
    const { action, decided, fired } = decide({ findings, failures: errors, limits, rules: rulesFor(checkOptions), stage });

    const detectors: Record<string, number> = {};
    for (const outcome of outcomes) detectors[outcome.detector] = outcome.ms;
    const decision: Decision = { action, stage, findings: decided, rules: fired, timings: { total: 0, detectors }, errors, limits, policy: { name: policy.name, hash: policy.hash } };
    if (isDelivered(action) && decided.some((finding) => isTransforming(finding.action))) {
      const vault = checkOptions.vault ?? new MaskVault();
      const messages = 'messages' in input ? (input.messages as readonly ChatMessage[]) : undefined;
      const rewritten = applyTransforms(messages === undefined ? { segments, findings: decided, vault } : { segments, findings: decided, messages, vault });
      if (rewritten.text !== undefined) decision.text = rewritten.text;
      if (rewritten.messages !== undefined) decision.messages = rewritten.messages;
      if (vault.size > 0) decision.vault = vault;
    }
    decision.timings.total = roundMs(performance.now() - started);
    return decision;
  }

  return { policy, check };
}
