import type { ToolBudgetStore } from '../tools/tool-budget-store.js';

const dayMs = 86_400_000;

/** Why a call was not let through by its budgets, or undefined when it was. */
export type BudgetRefusal = { reason: 'budget_exhausted'; message: string } | { reason: 'budget_unavailable'; message: string };

/**
 * The policy's per-tool budgets for one MCP call: per minute for the tenant, and per session
 * (this proxy process is one agent session). Keys are apart from the gateway's (`mcp:`), so a
 * shared Redis never mixes an MCP tool with a gateway tool of the same name. A store that fails
 * follows `limits.on_error`, as the gateway's limits do.
 */
export async function takeToolBudget(options: {
  budgets: ToolBudgetStore;
  onError: 'open' | 'closed';
  tenant: string;
  sessionId: string;
  server: string;
  tool: string;
  limits: { perMinute?: number; perSession?: number };
}): Promise<BudgetRefusal | undefined> {
  const { budgets, limits, tenant, server, tool } = options;
  const label = `${server}/${tool}`;
  try {
    if (limits.perMinute !== undefined) {
      const taken = await budgets.take({ key: `${tenant}:mcp:${server}:${tool}:minute`, limit: limits.perMinute, windowMs: 60_000 });
      if (!taken.allowed) return { reason: 'budget_exhausted', message: `the tool ${label} may be called ${limits.perMinute} times a minute; try again in ${Math.ceil(taken.resetMs / 1000)} s` };
    }
    if (limits.perSession !== undefined) {
      const taken = await budgets.take({ key: `${tenant}:mcp-session:${options.sessionId}:${server}:${tool}`, limit: limits.perSession, windowMs: dayMs });
      if (!taken.allowed) return { reason: 'budget_exhausted', message: `the tool ${label} may be called ${limits.perSession} times per session` };
    }
  } catch {
    if (options.onError === 'open') return undefined;
    return { reason: 'budget_unavailable', message: `the budget of ${label} cannot be checked now (the limit store is unavailable)` };
  }
  return undefined;
}
