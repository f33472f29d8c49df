import type { EvalCase, TargetResponse } from '../eval-case.js';

/**
 * What an eval runs cases against: Palisade's engine in process, a running Palisade gateway, or
 * any OpenAI-compatible endpoint. `hasModel` says whether answers are real model text (so
 * assertions on the answer and refusal detection apply); the engine alone has no model.
 */
export interface EvalTarget {
  /** For reports: `engine:<policy>`, `gateway:<url>`, `openai:<url>`. */
  readonly name: string;
  readonly hasModel: boolean;
  /** Never throws for the target's own failures: they come back as `error`. */
  send(evalCase: EvalCase, options: { signal: AbortSignal }): Promise<TargetResponse>;
}
