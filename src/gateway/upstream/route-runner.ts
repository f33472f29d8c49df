import { type UpstreamRequest, type UpstreamResponse } from './provider.js';
import { countsAgainstUpstream, type ResilientProvider, type UpstreamAttempt } from './resilient-provider.js';
import { isUpstreamError, UpstreamError } from './upstream-error.js';

export interface RouteRunnerOptions {
  /** In order of preference: the first is the primary, the rest are fallbacks. */
  providers: readonly ResilientProvider[];
}

export interface RouteRun {
  /** The request in the given provider's format (its model name, its body shape). */
  prepare(provider: ResilientProvider): Omit<UpstreamRequest, 'signal'>;
  signal: AbortSignal;
}

export interface RouteResult {
  response: UpstreamResponse;
  /** The provider that answered: its `format` says how to read the response. */
  provider: ResilientProvider;
  /** Every call made, failed ones included, in order. */
  attempts: UpstreamAttempt[];
}

export interface RouteRunner {
  readonly providers: readonly ResilientProvider[];
  /**
   * Tries the providers in order. Throws a `RouteFailedError` when none answered, or the signal's
   * reason when the client went away.
   */
  run(run: RouteRun): Promise<RouteResult>;
}

/** Every provider failed, or one refused the request itself. Names providers, never keys. */
export class RouteFailedError extends UpstreamError {
  readonly attempts: readonly UpstreamAttempt[];
  /** The error that decided the outcome. */
  readonly last: UpstreamError;

  constructor(options: { last: UpstreamError; attempts: readonly UpstreamAttempt[]; message: string }) {
    const { last } = options;
    super({
      provider: last.provider,
      failure: last.failure,
      retryable: last.retryable,
      status: last.upstreamStatus,
      retryAfterMs: last.retryAfterMs,
      upstreamMessage: last.upstreamMessage,
      message: options.message,
      cause: last,
    });
    this.name = 'RouteFailedError';
    this.attempts = options.attempts;
    this.last = last;
  }
}

// Another provider may well succeed where this one failed; a refused request would fail everywhere.
function worthFallingBack(error: UpstreamError): boolean {
  return error.failure === 'circuit_open' || countsAgainstUpstream(error);
}

export function createRouteRunner(options: RouteRunnerOptions): RouteRunner {
  const { providers } = options;
  if (providers.length === 0) throw new Error('a route needs at least one provider');

  async function run({ prepare, signal }: RouteRun): Promise<RouteResult> {
    const attempts: UpstreamAttempt[] = [];
    const failures: UpstreamError[] = [];
    for (const provider of providers) {
      if (signal.aborted) throw signal.reason;
      const outcome = await provider.execute({ ...prepare(provider), signal });
      attempts.push(...outcome.attempts);
      if (outcome.ok) return { response: outcome.response, provider, attempts };
      if (signal.aborted) throw signal.reason;
      const { error } = outcome;
      if (!isUpstreamError(error)) throw error;
      failures.push(error);
      if (!worthFallingBack(error)) {
        throw new RouteFailedError({ last: error, attempts, message: error.message });
      }
    }
    const tried = providers.map((provider) => provider.name).join(', ');
    const decisive = failures.findLast((failure) => failure.failure !== 'circuit_open');
    if (decisive === undefined) {
      throw new RouteFailedError({
        last: failures[failures.length - 1] as UpstreamError,
        attempts,
        message: `every provider of the route is unavailable (circuit open): ${tried}`,
      });
    }
    throw new RouteFailedError({
      last: decisive,
      attempts,
      message: `no provider of the route could answer (tried ${tried}); last failure: ${decisive.message}`,
    });
  }

  return { providers, run };
}
