import { PalisadeError } from '../core/errors.js';
import type { AcquireRequest } from './rate-limiter.js';

/**
 * Rejects arguments no backend can honour, the same way in every backend. Limits come from the
 * validated configuration, so a bad one here is a programming error: it throws
 * (`invalid_argument`) rather than admitting or refusing silently. A limit of zero is rejected
 * too: blocking a subject is a kill switch's job, not a rate of nothing.
 */
export function checkAcquireRequest(request: AcquireRequest): void {
  if (request.requestId === '') throw invalid('requestId must not be empty');
  checkTokenCount(request.estimatedTokens, 'estimatedTokens');
  request.subjects.forEach((subject, index) => {
    const { requestsPerMinute, tokensPerMinute, concurrentRequests } = subject.limits;
    const path = `subjects[${index}].limits`;
    if (requestsPerMinute !== undefined && !isPositive(requestsPerMinute)) throw invalid('requestsPerMinute must be a positive number', `${path}.requestsPerMinute`);
    if (tokensPerMinute !== undefined && !isPositive(tokensPerMinute)) throw invalid('tokensPerMinute must be a positive number', `${path}.tokensPerMinute`);
    if (concurrentRequests !== undefined && !(Number.isInteger(concurrentRequests) && concurrentRequests > 0)) {
      throw invalid('concurrentRequests must be a positive integer', `${path}.concurrentRequests`);
    }
  });
}

/** Token counts (estimated or actual) are finite and not negative. */
export function checkTokenCount(tokens: number, name: string): void {
  if (!(Number.isFinite(tokens) && tokens >= 0)) throw invalid(`${name} must be a finite number of tokens, not negative`, name);
}

function isPositive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function invalid(message: string, path?: string): PalisadeError {
  return new PalisadeError('invalid_argument', `rate limiter: ${message}`, path === undefined ? {} : { details: [{ path, message }] });
}
