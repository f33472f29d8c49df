import type { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { formatPath } from '../core/format-path.js';

/**
 * Validates one argument of a key or tenant operation; a bad value is an `invalid_request`
 * naming the field (`limits.requestsPerMinute`). Messages are zod's, which describe the
 * expected shape without quoting the value.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, field: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: formatPath([field, ...issue.path]), message: issue.message }));
  const first = details[0];
  throw new PalisadeError('invalid_request', first === undefined ? `invalid ${field}` : `invalid ${first.path}: ${first.message}`, { details });
}
