/**
 * Actions ordered from least to most restrictive. The order is the conflict rule of last resort:
 * when two rules of equal standing disagree, the later entry here wins.
 */
export const actions = ['allow', 'warn', 'mask', 'redact', 'require_approval', 'escalate', 'block'] as const;
export type Action = (typeof actions)[number];

const rank: Readonly<Record<Action, number>> = Object.fromEntries(actions.map((action, index) => [action, index])) as Record<
  Action,
  number
>;

export function actionRank(action: Action): number {
  return rank[action];
}

export function mostRestrictive(a: Action, b: Action): Action {
  return rank[a] >= rank[b] ? a : b;
}

/** Actions after which the content is still delivered (possibly transformed). */
export function isDelivered(action: Action): boolean {
  return rank[action] <= rank.redact;
}

/** Actions that rewrite the content before it is delivered. */
export function isTransforming(action: Action): action is 'mask' | 'redact' {
  return action === 'mask' || action === 'redact';
}
