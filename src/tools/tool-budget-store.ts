/**
 * Per-tool call budgets: how many calls of a tool a tenant (per minute) or a session (over its
 * life) may make. The interface every backend (in-process, Redis) implements, checked by one
 * contract suite (`tool-budget-store-contract.ts`).
 *
 * A budget is a fixed-window counter. Windows are aligned to the epoch: the window of an instant
 * `t` starts at `t - t % windowMs`, so every replica puts a call in the same window. `take`
 * counts one call, atomically, unless the window already holds `limit` calls: then it refuses
 * without counting, so refused attempts never use up budget. A per-minute budget uses
 * `windowMs: 60_000`; a per-session budget a long window (up to a year) under a key naming the
 * session. A long window still ends on an epoch-aligned boundary, where its count starts again.
 *
 * Keys are the caller's, e.g. `tenant:<id>:tool:<name>:minute` or `session:<id>:tool:<name>`:
 * one key is one counter, whatever the window. Using one key with another `windowMs` starts a
 * new count.
 *
 * Errors from a backend are thrown, never swallowed: the caller decides whether a budget it
 * cannot check fails open or closed.
 */
import { PalisadeError } from '../core/errors.js';

export interface ToolBudgetRequest {
  key: string;
  /** Calls allowed per window, 0 or more (0 refuses every call). */
  limit: number;
  /** The window's length in milliseconds, from 1 to a year. */
  windowMs: number;
}

export interface ToolBudgetResult {
  allowed: boolean;
  /** Calls counted in the current window: this one included when allowed. */
  count: number;
  /** Milliseconds until the current window ends and the count starts again (at least 1). */
  resetMs: number;
}

export interface ToolBudgetStore {
  take(request: ToolBudgetRequest): Promise<ToolBudgetResult>;
  close(): Promise<void>;
}

export const MAX_TOOL_BUDGET_WINDOW_MS = 366 * 24 * 60 * 60_000;
const MAX_KEY_LENGTH = 512;

/** The checks every backend makes before counting. */
export function checkToolBudgetRequest(request: ToolBudgetRequest): void {
  if (typeof request.key !== 'string' || request.key.length === 0 || request.key.length > MAX_KEY_LENGTH) refuse('key', `must be text of 1 to ${MAX_KEY_LENGTH} characters`);
  if (!(Number.isSafeInteger(request.limit) && request.limit >= 0)) refuse('limit', 'must be a whole number, 0 or more');
  if (!(Number.isSafeInteger(request.windowMs) && request.windowMs >= 1 && request.windowMs <= MAX_TOOL_BUDGET_WINDOW_MS)) {
    refuse('windowMs', `must be a whole number of milliseconds from 1 to ${MAX_TOOL_BUDGET_WINDOW_MS}`);
  }
}

function refuse(path: string, problem: string): never {
  throw new PalisadeError('invalid_argument', `tool budget: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
