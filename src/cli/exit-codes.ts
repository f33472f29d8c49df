/** The CLI's exit codes; other tools depend on them. */
export const exitCodes = {
  ok: 0,
  internalError: 1,
  usage: 2,
  blocked: 3,
} as const;
