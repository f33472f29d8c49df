import { isDelivered } from '../../core/action.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import type { PolicyScope } from '../../policy/policy.js';
import type { EvalCase, TargetResponse } from '../eval-case.js';
import type { EvalTarget } from './eval-target.js';

/**
 * The guard engine in process, input stage: is the conversation stopped before any model sees
 * it? There is no model, so there is no answer to grade; a case is blocked or it is not.
 */
export function createEngineTarget(options: { engine: GuardEngine; scope?: PolicyScope }): EvalTarget {
  const { engine } = options;
  return {
    name: `engine:${engine.policy.name}`,
    hasModel: false,
    async send(evalCase: EvalCase): Promise<TargetResponse> {
      const started = performance.now();
      try {
        const decision = await engine.check({ messages: evalCase.messages.map((message) => ({ ...message })) }, { ...options.scope, stage: 'input' });
        const deciding = decision.rules.filter((rule) => rule.applied);
        const categories = [...new Set(decision.findings.filter((finding) => finding.action === decision.action).map((finding) => finding.category))];
        return {
          blocked: !isDelivered(decision.action),
          text: '',
          status: 200,
          decision: { action: decision.action, categories, rules: deciding.map((rule) => rule.id) },
          latencyMs: performance.now() - started,
        };
      } catch (error) {
        return { blocked: false, text: '', status: 0, error: error instanceof Error ? error.message : String(error), latencyMs: performance.now() - started };
      }
    },
  };
}
