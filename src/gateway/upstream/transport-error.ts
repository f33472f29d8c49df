import { type ProviderTimeouts } from './provider.js';
import { UpstreamError } from './upstream-error.js';

export interface TransportErrorContext {
  provider: string;
  timeouts: ProviderTimeouts;
  stream: boolean;
  /** Our own whole-exchange timer fired (it aborts the request, so the error itself says little). */
  totalTimedOut: boolean;
  /** Response headers had arrived: from then on a retry could repeat paid work. */
  answered: boolean;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Maps what undici and the socket throw to an `UpstreamError`; returns undefined for anything
 * else (a bug of ours must not be disguised as an upstream failure).
 */
export function transportError(error: unknown, context: TransportErrorContext): UpstreamError | undefined {
  const { provider, timeouts } = context;
  const fail = (failure: UpstreamError['failure'], retryable: boolean, message: string): UpstreamError =>
    new UpstreamError({ provider, failure, retryable, message, cause: error });

  if (context.totalTimedOut) {
    return fail(
      'total_timeout',
      !context.answered,
      context.stream
        ? `upstream "${provider}" did not start its stream within ${timeouts.totalMs} ms`
        : `upstream "${provider}" did not answer within ${timeouts.totalMs} ms`,
    );
  }
  const code = errorCode(error);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return fail('connect_timeout', true, `upstream "${provider}" did not accept a connection within ${timeouts.connectMs} ms`);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return fail('first_byte_timeout', true, `upstream "${provider}" sent no response within ${timeouts.firstByteMs} ms`);
    case 'UND_ERR_BODY_TIMEOUT':
      return fail('idle_timeout', false, `upstream "${provider}" went silent for ${timeouts.idleMs} ms in the middle of its answer`);
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return fail('invalid_response', false, `upstream "${provider}" sent an answer larger than allowed`);
    default:
      // Argument errors are ours (a header with a line break, say), not the upstream's.
      if (code !== undefined && /^(UND_ERR_INVALID|UND_ERR_NOT_SUPPORTED|ERR_INVALID)/.test(code)) return undefined;
      if (code !== undefined || error instanceof AggregateError) {
        const reason = code ?? 'connection failed';
        return fail('connection', !context.answered, `connection to upstream "${provider}" failed (${reason})`);
      }
      return undefined;
  }
}
