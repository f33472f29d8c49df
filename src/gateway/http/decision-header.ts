import type { Decision } from '../../core/decision.js';

const maxLength = 512;

function stagePart(decision: Decision): string | undefined {
  const applied = decision.rules.filter((rule) => rule.applied).map((rule) => rule.id);
  if (decision.action === 'allow' && applied.length === 0 && decision.errors.length === 0) return undefined;
  const errors = decision.errors.length === 0 ? '' : ` errors=${decision.errors.map((error) => `${error.detector}:${error.failMode}`).join(',')}`;
  return `${decision.stage}=${decision.action}${applied.length === 0 ? '' : ` rules=${applied.join(',')}`}${errors}`;
}

/**
 * `x-palisade-decision`, present only when something fired: per stage, the action and the rules
 * that decided (ids only, never content), e.g. `input=mask rules=pii-mask-input; output=allow`.
 */
export function decisionHeader(decisions: readonly (Decision | undefined)[]): string | undefined {
  const parts = decisions.flatMap((decision) => {
    const part = decision === undefined ? undefined : stagePart(decision);
    return part === undefined ? [] : [part];
  });
  if (parts.length === 0) return undefined;
  const header = parts.join('; ');
  return header.length <= maxLength ? header : `${header.slice(0, maxLength - 3)}...`;
}
