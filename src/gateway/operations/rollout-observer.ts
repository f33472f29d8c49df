/**
 * What a replica learns about a running rollout from the requests it serves: each request's
 * outcome goes into this replica's health windows (`RolloutHealth`, for automatic roll-back), and
 * in shadow mode each comparison of the two policies goes into the shadow store (disagreements
 * kept as redacted examples, for `palisade rollout status`).
 *
 * Like with like: in shadow mode only the requests in the candidate's share are compared, and
 * both arms' outcomes are those of the same requests. In enforce mode each arm records its own
 * requests.
 *
 * Nothing here may slow or fail a request: the shadow store is written in the background, and a
 * failed write is reported and dropped.
 */
import { isDelivered } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';
import type { GuardInput } from '../../pipeline/guard-input.js';
import { redactForRecord } from '../../pipeline/redact-for-record.js';
import { createRolloutHealth, type RolloutArm, type RolloutHealth, type RolloutHealthOptions } from '../../ops/rollouts/rollout-health.js';
import type { ShadowStore, ShadowVerdict } from '../../ops/rollouts/shadow-store.js';
import type { PolicySelection } from './policy-selector.js';

export interface ObservedRequest {
  requestId: string;
  tenantId: string;
  selection: PolicySelection;
  /** What was checked (for a disagreement's example, redacted). */
  input: GuardInput;
  /** The enforced decision. */
  decision: Decision;
}

export interface RolloutObserver {
  /** Shadow mode: records the comparison of the enforced input decision with the candidate's, once it is known. */
  observe(request: ObservedRequest, shadow?: Promise<Decision>): void;
  /**
   * Enforce mode: records a finished request under its arm, with every stage that decided it (the
   * input, and the answer when there was one), so a candidate that blocks or fails on the way out
   * is seen too.
   */
  finished(selection: PolicySelection, decisions: readonly Decision[]): void;
  /** A user reported an answer served under this rollout arm. */
  reportedByUser(rolloutId: string, arm: RolloutArm): void;
  /** The health windows of a rollout on this replica (created on first use; the few most recently used are kept). */
  health(rolloutId: string): RolloutHealth;
}

export interface RolloutObserverOptions {
  shadow: ShadowStore;
  /** How the audit log keeps content: with `none`, disagreements are kept without an example. */
  contentMode: 'none' | 'redacted' | 'full';
  healthOptions?: RolloutHealthOptions;
  onError: (error: unknown) => void;
  onComparison?: (comparison: { disagreed: boolean }) => void;
  now?: () => Date;
}

function verdict(decision: Decision): ShadowVerdict {
  const categories = decision.findings.filter((finding) => finding.action === decision.action).map((finding) => finding.category);
  return { action: decision.action, categories: [...new Set(categories)].slice(0, 32) };
}

/** The checked text with every labelled finding of either decision redacted, as JSON. */
function example(input: GuardInput, active: Decision, candidate: Decision): string {
  const merged: Decision = { ...active, findings: [...active.findings, ...candidate.findings] };
  const redacted = redactForRecord(input, merged);
  return typeof redacted === 'string' ? redacted : JSON.stringify(redacted);
}

const MAX_ROLLOUTS_KEPT = 4;

export function createRolloutObserver(options: RolloutObserverOptions): RolloutObserver {
  const now = options.now ?? (() => new Date());
  /** Windows per rollout, the few most recently used: asking about an old rollout never wipes the running one's. */
  const windows = new Map<string, RolloutHealth>();

  function health(rolloutId: string): RolloutHealth {
    let found = windows.get(rolloutId);
    if (found === undefined) {
      found = createRolloutHealth(options.healthOptions);
      if (windows.size >= MAX_ROLLOUTS_KEPT) windows.delete(windows.keys().next().value as string);
    } else windows.delete(rolloutId);
    windows.set(rolloutId, found);
    return found;
  }

  function record(rolloutId: string, arm: RolloutArm, decision: Decision): void {
    health(rolloutId).record({ arm, blocked: !isDelivered(decision.action), detectorError: decision.errors.length > 0, detectorLatencyMs: decision.timings.total });
  }

  return {
    finished(selection, decisions) {
      const rollout = selection.rollout;
      if (rollout === undefined || rollout.mode !== 'enforce' || decisions.length === 0) return;
      health(rollout.id).record({
        arm: rollout.arm,
        blocked: decisions.some((decision) => !isDelivered(decision.action)),
        detectorError: decisions.some((decision) => decision.errors.length > 0),
        detectorLatencyMs: decisions.reduce((sum, decision) => sum + decision.timings.total, 0),
      });
    },
    observe(request, shadow) {
      const rollout = request.selection.rollout;
      if (rollout === undefined || rollout.mode !== 'shadow' || shadow === undefined) return;
      shadow.then(
        (candidate) => {
          record(rollout.id, 'active', request.decision);
          record(rollout.id, 'candidate', candidate);
          const disagreed = candidate.action !== request.decision.action;
          options.onComparison?.({ disagreed });
          const comparison = {
            rolloutId: rollout.id,
            requestId: request.requestId,
            tenantId: request.tenantId,
            stage: request.decision.stage,
            active: verdict(request.decision),
            candidate: verdict(candidate),
            at: now(),
            ...(disagreed && options.contentMode !== 'none' ? { example: example(request.input, request.decision, candidate) } : {}),
          };
          options.shadow.record(comparison).catch(options.onError);
        },
        (error: unknown) => {
          // The candidate failed where the active policy did not: that is a detector error of the candidate's.
          record(rollout.id, 'active', request.decision);
          health(rollout.id).record({ arm: 'candidate', blocked: false, detectorError: true });
          options.onError(error);
        },
      );
    },
    reportedByUser(rolloutId, arm) {
      health(rolloutId).recordUserReport({ arm });
    },
    health,
  };
}
