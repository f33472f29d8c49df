/** The CLI's exit codes; other tools depend on them. */
export const exitCodes = {
  ok: 0,
  internalError: 1,
  usage: 2,
  blocked: 3,
} as const;

/** A problem with how the CLI was called (or with the files it was given): exit 2 with this message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
