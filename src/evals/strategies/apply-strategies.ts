import type { EvalCase } from '../eval-case.js';
import type { ConfiguredStrategy } from './strategy.js';

/**
 * The cases followed, for each attack case, by what each strategy derives from it (in the order
 * the strategies are listed). Benign cases and cases already derived are not mutated.
 */
export function applyStrategies(cases: readonly EvalCase[], strategies: readonly ConfiguredStrategy[]): EvalCase[] {
  const result: EvalCase[] = [];
  for (const evalCase of cases) {
    result.push(evalCase);
    if (evalCase.kind !== 'attack' || evalCase.strategy !== undefined) continue;
    for (const { strategy, options } of strategies) result.push(...strategy.apply(evalCase, options));
  }
  return result;
}
