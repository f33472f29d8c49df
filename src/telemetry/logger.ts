import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Paths that could carry a secret or conversation text. The gateway never logs bodies, but a
 * future log call that passes a request or headers object must not leak them either.
 */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'authorization',
  'apiKey',
  'key',
  'body',
  'messages',
  'content',
  'prompt',
  'text',
  '*.body',
  '*.messages',
  '*.content',
  '*.text',
  '*.apiKey',
];

/** Structured JSON logs (pino) with secrets and content removed before they are written. */
export function createLogger(options: { level: LevelWithSilent; destination?: DestinationStream }): Logger {
  const settings = { level: options.level, base: { service: 'palisade' }, redact: { paths: redactedPaths, censor: '[redacted]' } };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
