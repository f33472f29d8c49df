/**
 * Shadow comparisons: on the requests where a rollout evaluates its candidate beside the active
 * policy (shadow mode, or both arms in a test), what each decided. The interface every backend
 * (memory, SQLite, PostgreSQL) implements, checked by one contract suite (`shadow-store-contract.ts`).
 *
 * Bounded growth:
 * - Counts are aggregated as they come, per rollout and hour: a summary never reads the requests.
 *   So `since` counts from the start of the hour it falls in (the summary says which).
 * - Only disagreements (the two actions differ) are kept one by one, as examples: the
 *   `maxExamples` (default 1,000) most recently recorded per rollout, older ones are dropped.
 *   Their `example` text must already be redacted (the caller's job, as for the audit log) and is
 *   cut to 2,000 characters.
 * - `record` is not idempotent: record each request's stage once.
 *
 * "Blocked" means not delivered: `block`, and also `escalate` and `require_approval`, which hold
 * the content (`!isDelivered(action)`). A category's block rate is the share of the compared
 * requests that an arm blocked with a finding of that category among the categories it gave.
 */
import { actions, isDelivered, type Action } from '../../core/action.js';
import { stages, type Stage } from '../../core/finding.js';
import { checkLimit, checkOneOf, checkText, checkTime, refuse } from './check-rollout-arguments.js';

export interface ShadowVerdict {
  action: Action;
  /** The categories of the findings behind the action (e.g. `pii.email`). */
  categories: string[];
}

export interface ShadowComparison {
  rolloutId: string;
  /** The request's id (its audit event id), to find it again. */
  requestId: string;
  tenantId: string;
  stage: Stage;
  /** What the active (baseline) policy decided. */
  active: ShadowVerdict;
  /** What the candidate decided. */
  candidate: ShadowVerdict;
  /** The checked text, redacted; kept only for a disagreement, cut to `MAX_SHADOW_EXAMPLE_LENGTH`. */
  example?: string;
  at: Date;
}

/** A kept disagreement: the comparison as recorded (categories deduplicated, example cut). */
export type ShadowExample = ShadowComparison;

export interface ShadowArmCounts {
  blocked: number;
  /** `blocked / compared`, 0 to 1 (0 when nothing was compared). */
  blockRate: number;
}

export interface ShadowSummary {
  rolloutId: string;
  /** When `since` was given: the start of its hour, from which the counts run. */
  countedFrom?: Date;
  compared: number;
  disagreements: number;
  /** Disagreements by (active action → candidate action), most frequent first. */
  byActions: { active: Action; candidate: Action; count: number }[];
  active: ShadowArmCounts;
  candidate: ShadowArmCounts;
  /** Every category either arm blocked with, most blocks (of both arms) first. */
  byCategory: { category: string; active: ShadowArmCounts; candidate: ShadowArmCounts }[];
  /** Request ids of the most recent kept disagreements (at `since` or later), newest first. */
  exampleIds: string[];
}

export interface ShadowSummaryOptions {
  rolloutId: string;
  since?: Date;
}

export interface ShadowExamplesOptions {
  rolloutId: string;
  /** 1 to 1,000. */
  limit: number;
}

export interface ShadowStore {
  record(comparison: ShadowComparison): Promise<void>;
  summary(options: ShadowSummaryOptions): Promise<ShadowSummary>;
  /** The kept disagreements, most recently recorded first. */
  examples(options: ShadowExamplesOptions): Promise<ShadowExample[]>;
}

export interface ShadowStoreOptions {
  /** Disagreements kept per rollout; default 1,000. */
  maxExamples?: number;
}

export const DEFAULT_MAX_SHADOW_EXAMPLES = 1_000;
export const MAX_SHADOW_EXAMPLE_LENGTH = 2_000;
export const MAX_SHADOW_CATEGORIES = 32;
export const SHADOW_SUMMARY_EXAMPLE_IDS = 5;
export const SHADOW_COUNTER_PERIOD_MS = 3_600_000;
const MAX_CATEGORY_LENGTH = 128;
const STORE = 'shadow store';

/** A comparison as stored: categories deduplicated and sorted, the example cut, dates copied. */
export function normalizeShadowComparison(comparison: ShadowComparison): ShadowComparison {
  checkText(STORE, 'rolloutId', comparison.rolloutId);
  checkText(STORE, 'requestId', comparison.requestId);
  checkText(STORE, 'tenantId', comparison.tenantId);
  checkOneOf(STORE, 'stage', comparison.stage, stages);
  checkVerdict('active', comparison.active);
  checkVerdict('candidate', comparison.candidate);
  if (comparison.example !== undefined && typeof comparison.example !== 'string') refuse(STORE, 'example', 'must be text');
  checkTime(STORE, 'at', comparison.at);
  const normalized: ShadowComparison = {
    rolloutId: comparison.rolloutId,
    requestId: comparison.requestId,
    tenantId: comparison.tenantId,
    stage: comparison.stage,
    active: { action: comparison.active.action, categories: [...new Set(comparison.active.categories)].sort() },
    candidate: { action: comparison.candidate.action, categories: [...new Set(comparison.candidate.categories)].sort() },
    at: new Date(comparison.at.getTime()),
  };
  if (comparison.example !== undefined) normalized.example = capExample(comparison.example);
  return normalized;
}

export function checkShadowSummaryOptions(options: ShadowSummaryOptions): void {
  checkText(STORE, 'rolloutId', options.rolloutId);
  if (options.since !== undefined) checkTime(STORE, 'since', options.since);
}

export function checkShadowExamplesOptions(options: ShadowExamplesOptions): void {
  checkText(STORE, 'rolloutId', options.rolloutId);
  checkLimit(STORE, options.limit, 1_000);
}

export function checkShadowStoreOptions(options: ShadowStoreOptions): number {
  const maxExamples = options.maxExamples ?? DEFAULT_MAX_SHADOW_EXAMPLES;
  if (!(Number.isSafeInteger(maxExamples) && maxExamples >= 1 && maxExamples <= 100_000)) refuse(STORE, 'maxExamples', 'must be a whole number from 1 to 100,000');
  return maxExamples;
}

export function isDisagreement(comparison: ShadowComparison): boolean {
  return comparison.active.action !== comparison.candidate.action;
}

/** The start of the counting period (hour) an instant falls in, ms since the epoch. */
export function shadowCounterPeriod(at: Date): number {
  return Math.floor(at.getTime() / SHADOW_COUNTER_PERIOD_MS) * SHADOW_COUNTER_PERIOD_MS;
}

/*
 * Counters are named, one row (or map entry) each per rollout and hour, so every backend stores
 * them alike and adds one to each name a comparison touches:
 *   compared · disagreed · blocked|<arm> · actions|<active>|<candidate> · category|<arm>|<category>
 */

/** The names of the counters one comparison adds one to; all distinct. */
export function shadowCounterNames(comparison: ShadowComparison): string[] {
  const names = ['compared'];
  if (isDisagreement(comparison)) names.push('disagreed', `actions|${comparison.active.action}|${comparison.candidate.action}`);
  for (const arm of ['active', 'candidate'] as const) {
    const verdict = comparison[arm];
    if (isDelivered(verdict.action)) continue;
    names.push(`blocked|${arm}`);
    for (const category of new Set(verdict.categories)) names.push(`category|${arm}|${category}`);
  }
  return names;
}

/** The summary from the counters' totals (name → count) and the example ids. */
export function shadowSummaryFromCounters(options: { rolloutId: string; since?: Date; counters: ReadonlyMap<string, number>; exampleIds: string[] }): ShadowSummary {
  const { counters } = options;
  const compared = counters.get('compared') ?? 0;
  const arm = (blocked: number): ShadowArmCounts => ({ blocked, blockRate: compared === 0 ? 0 : blocked / compared });
  const byActions: ShadowSummary['byActions'] = [];
  const categories = new Map<string, { active: number; candidate: number }>();
  for (const [name, count] of counters) {
    const [kind, first, ...rest] = name.split('|');
    if (kind === 'actions' && rest.length === 1) byActions.push({ active: first as Action, candidate: rest[0] as Action, count });
    if (kind === 'category' && (first === 'active' || first === 'candidate')) {
      const category = rest.join('|');
      const entry = categories.get(category) ?? { active: 0, candidate: 0 };
      entry[first] += count;
      categories.set(category, entry);
    }
  }
  byActions.sort((a, b) => b.count - a.count || actionOrder(a.active, b.active) || actionOrder(a.candidate, b.candidate));
  const summary: ShadowSummary = {
    rolloutId: options.rolloutId,
    compared,
    disagreements: counters.get('disagreed') ?? 0,
    byActions,
    active: arm(counters.get('blocked|active') ?? 0),
    candidate: arm(counters.get('blocked|candidate') ?? 0),
    byCategory: [...categories]
      .sort(([a, x], [b, y]) => y.active + y.candidate - (x.active + x.candidate) || (a < b ? -1 : a > b ? 1 : 0))
      .map(([category, counts]) => ({ category, active: arm(counts.active), candidate: arm(counts.candidate) })),
    exampleIds: options.exampleIds,
  };
  if (options.since !== undefined) summary.countedFrom = new Date(shadowCounterPeriod(options.since));
  return summary;
}

/**
 * Cut to the cap, never between the halves of a surrogate pair, marked with an ellipsis. NUL
 * (user text may hold one; PostgreSQL text cannot) becomes U+FFFD, alike in every backend.
 */
function capExample(raw: string): string {
  const text = raw.replaceAll('\u0000', '\uFFFD');
  if (text.length <= MAX_SHADOW_EXAMPLE_LENGTH) return text;
  let end = MAX_SHADOW_EXAMPLE_LENGTH - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function checkVerdict(path: 'active' | 'candidate', verdict: ShadowVerdict): void {
  if (typeof verdict !== 'object' || verdict === null) refuse(STORE, path, 'must be an action and categories');
  checkOneOf(STORE, `${path}.action`, verdict.action, actions);
  if (!Array.isArray(verdict.categories) || verdict.categories.length > MAX_SHADOW_CATEGORIES) refuse(STORE, `${path}.categories`, `must list at most ${MAX_SHADOW_CATEGORIES} categories`);
  verdict.categories.forEach((category, index) => checkText(STORE, `${path}.categories[${index}]`, category, MAX_CATEGORY_LENGTH));
}

function actionOrder(a: Action, b: Action): number {
  return actions.indexOf(a) - actions.indexOf(b);
}
