/**
 * The one error catalog. Every failure Palisade reports has a code from this closed list; the
 * HTTP status is declared beside it so the compiler keeps the two together. Messages of these
 * errors are composed by Palisade and never quote the checked content.
 */
export const errorStatus = {
  /** The caller's arguments are wrong (CLI usage, options). */
  invalid_argument: 400,
  /** The content to check has the wrong shape. */
  invalid_input: 400,
  invalid_policy: 422,
  invalid_config: 422,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  /** Where the problem is, e.g. `messages[2].content` or `rules[3].min_score`. */
  path?: string;
  message: string;
}

export class PalisadeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: { details?: readonly ErrorDetail[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PalisadeError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = options.details ?? [];
  }
}

export function isPalisadeError(error: unknown): error is PalisadeError {
  return error instanceof PalisadeError;
}
