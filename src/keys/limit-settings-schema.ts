import { z } from 'zod';
import type { LimitSettings } from '../limits/rate-limiter.js';

const positiveLimit = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * Limits as given by an operator or read back from a store. Unknown fields are refused so that a
 * misspelt limit is an error, not a silently unlimited tenant.
 */
export const limitSettingsSchema = z.strictObject({
  requestsPerMinute: positiveLimit.optional(),
  tokensPerMinute: positiveLimit.optional(),
  concurrentRequests: positiveLimit.optional(),
}) satisfies z.ZodType<LimitSettings>;

/** A copy holding only the limits that are set, so stored JSON has no `undefined` holes. */
export function compactLimits(limits: LimitSettings): LimitSettings {
  const compact: LimitSettings = {};
  if (limits.requestsPerMinute !== undefined) compact.requestsPerMinute = limits.requestsPerMinute;
  if (limits.tokensPerMinute !== undefined) compact.tokensPerMinute = limits.tokensPerMinute;
  if (limits.concurrentRequests !== undefined) compact.concurrentRequests = limits.concurrentRequests;
  return compact;
}
