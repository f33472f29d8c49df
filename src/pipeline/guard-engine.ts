import { isDelivered, isTransforming, mostRestrictive, type Action } from '../core/action.js';
import type { Decision, FiredRule, OversizeReport } from '../core/decision.js';
import type { Stage } from '../core/finding.js';
import type { CompiledRule, Policy, PolicyScope } from '../policy/policy.js';
import { resolveFindings, selectRules } from '../policy/resolve-findings.js';
import { NormalizedText } from '../text/normalized-text.js';
import { applyTransforms } from './apply-transforms.js';
import { segmentInput, type ChatMessage, type GuardInput, type Segment } from './guard-input.js';
import { MaskVault } from './mask-vault.js';
import { runDetectors, type Scan } from './run-detectors.js';

export interface CheckOptions extends PolicyScope {
  /** `input` (before the model; the default) or `output` (the model's answer). */
  stage?: Stage;
  /** Continue an earlier check's masking, so one value keeps one placeholder across a conversation. */
  vault?: MaskVault;
}

export interface GuardEngine {
  readonly policy: Policy;
  /** Checks a text or a message list. Rejects only on invalid input (`invalid_input`); detector failures are in the decision. */
  check(input: GuardInput, options?: CheckOptions): Promise<Decision>;
}

const maxCachedScopes = 1024;

function rounded(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Splits segments into scans; a segment over the limit is windowed (head and tail) or refused. */
function planScans(segments: readonly Segment[], limits: Policy['limits']): { scans: Scan[]; oversize: OversizeReport[] } {
  const scans: Scan[] = [];
  const oversize: OversizeReport[] = [];
  for (const segment of segments) {
    const length = segment.text.length;
    if (length === 0) continue;
    const place = (text: string, offset: number): Scan => {
      const scan: Scan = { text: new NormalizedText(text), offset, source: segment.source };
      if (segment.message !== undefined) scan.message = segment.message;
      if (segment.part !== undefined) scan.part = segment.part;
      return scan;
    };
    if (length <= limits.maxChars) {
      scans.push(place(segment.text, 0));
      continue;
    }
    const report: OversizeReport = { totalChars: length, scannedChars: 0, handling: limits.oversize };
    if (segment.message !== undefined) report.message = segment.message;
    oversize.push(report);
    if (limits.oversize === 'window') {
      const window = limits.windowChars;
      scans.push(place(segment.text.slice(0, window), 0), place(segment.text.slice(length - window), length - window));
      report.scannedChars = window * 2;
    }
  }
  return { scans, oversize };
}

/**
 * The guard engine: input in, `Decision` out. It splits the input into scans, runs the stage's
 * detectors concurrently, resolves each finding through the policy's layers, applies failure
 * and size handling, and rewrites redacted or masked spans.
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
    const { scans, oversize } = planScans(segments, policy.limits);
    const refused = oversize.some((report) => report.handling === 'block');
    const ran = refused || scans.length === 0 ? [] : runDetectors(detectorsByStage[stage], scans, stage);
    const outcomes = ran instanceof Promise ? await ran : ran;

    const { decided, fired } = resolveFindings({ findings: outcomes.flatMap((outcome) => outcome.findings), rules: rulesFor(checkOptions), stage });
    let action: Action = decided.reduce<Action>((strictest, finding) => mostRestrictive(strictest, finding.action), 'allow');
    const rules: FiredRule[] = fired;
    const errors = outcomes.flatMap((outcome) => (outcome.failure === undefined ? [] : [outcome.failure]));
    for (const failure of errors) {
      if (failure.failMode !== 'closed') continue;
      action = 'block';
      rules.push({ id: `on_error.${failure.detector}`, layer: 'detectors', action: 'block', priority: 0, findings: [], applied: true });
    }
    if (refused) {
      action = 'block';
      rules.push({ id: 'limits.oversize', layer: 'limits', action: 'block', priority: 0, findings: [], applied: true });
    }

    const timings: Record<string, number> = {};
    for (const outcome of outcomes) timings[outcome.detector] = outcome.ms;
    const decision: Decision = { action, stage, findings: decided, rules, timings, errors, oversize, policy: { name: policy.name, hash: policy.hash } };
    if (isDelivered(action) && decided.some((finding) => isTransforming(finding.action))) {
      const vault = checkOptions.vault ?? new MaskVault();
      const messages = 'messages' in input ? (input.messages as readonly ChatMessage[]) : undefined;
      const rewritten = applyTransforms(messages === undefined ? { segments, findings: decided, vault } : { segments, findings: decided, messages, vault });
      if (rewritten.text !== undefined) decision.text = rewritten.text;
      if (rewritten.messages !== undefined) decision.messages = rewritten.messages;
      if (vault.size > 0) decision.vault = vault;
    }
    timings.total = rounded(performance.now() - started);
    return decision;
  }

  return { policy, check };
}
