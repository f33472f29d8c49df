/**
 * How long an upstream asks us to wait, in milliseconds. OpenAI sends `retry-after-ms`
 * besides the standard `retry-after` (seconds, fractional in practice, or an HTTP date).
 */
export function parseRetryAfter(headers: Readonly<Record<string, string>>, now: number = Date.now()): number | undefined {
  const milliseconds = headers['retry-after-ms'];
  if (milliseconds !== undefined) {
    const value = Number(milliseconds);
    if (milliseconds.trim() !== '' && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers['retry-after'];
  if (retryAfter === undefined || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
