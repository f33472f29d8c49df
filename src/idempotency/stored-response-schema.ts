import { z } from 'zod';
import type { StoredResponse } from './idempotency-store.js';

/** A stored response read back from a store outside the process (Redis, a database). */
export const storedResponseSchema: z.ZodType<StoredResponse> = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});
