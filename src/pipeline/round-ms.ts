/** Milliseconds to the microsecond, for timings people read. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
