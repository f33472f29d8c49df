import { PalisadeError } from '../../core/errors.js';
import { formatPath } from '../../core/format-path.js';
import { issuesFromZod, type PolicyIssue } from '../../policy/policy-issues.js';
import { builtinStrategies } from './builtin-strategies.js';
import type { ConfiguredStrategy, Strategy } from './strategy.js';

/** A strategy as a suite or the command line names it: its name, or its name and options. */
export type StrategyEntry = string | { name: string; options?: unknown };

/**
 * Looks the entries up among `available` and validates their options. Problems (unknown name,
 * bad options, a strategy listed twice: their ids would collide) come back as issues at
 * `[...path, index]`, so a suite can report them with positions.
 */
export function resolveStrategies(options: { entries: readonly StrategyEntry[]; available?: readonly Strategy[]; path?: readonly PropertyKey[] }): { configured: ConfiguredStrategy[]; issues: PolicyIssue[] } {
  const available = options.available ?? builtinStrategies;
  const path = options.path ?? [];
  const configured: ConfiguredStrategy[] = [];
  const issues: PolicyIssue[] = [];
  const seen = new Map<string, number>();
  options.entries.forEach((entry, index) => {
    const { name, options: raw } = typeof entry === 'string' ? { name: entry, options: undefined } : entry;
    const strategy = available.find((candidate) => candidate.name === name);
    if (strategy === undefined) {
      issues.push({ path: [...path, index], message: `unknown strategy "${name}" (available: ${available.map((candidate) => candidate.name).join(', ')})` });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({ path: [...path, index], message: `strategy "${name}" is already listed at ${first}: derived case ids would collide` });
      return;
    }
    seen.set(name, index);
    const parsed = strategy.optionsSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      issues.push(...issuesFromZod(parsed.error.issues, typeof entry === 'string' ? [...path, index] : [...path, index, 'options']));
      return;
    }
    configured.push({ strategy, options: parsed.data });
  });
  return { configured, issues };
}

/** The same, throwing `invalid_argument` with every problem (for the command line and programmatic use). */
export function configureStrategies(entries: readonly StrategyEntry[], available: readonly Strategy[] = builtinStrategies): ConfiguredStrategy[] {
  const { configured, issues } = resolveStrategies({ entries, available, path: ['strategies'] });
  if (issues.length > 0) {
    const details = issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
    throw new PalisadeError('invalid_argument', `invalid strategies:\n${details.map((detail) => `  ${detail.path}: ${detail.message}`).join('\n')}`, { details });
  }
  return configured;
}
