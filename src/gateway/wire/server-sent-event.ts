import { PalisadeError } from '../../core/errors.js';

/** One server-sent event, as an SSE parser (eventsource-parser) yields it. */
export interface ServerSentEvent {
  event?: string;
  data: string;
}

/** The SSE text of one event. JSON never holds a raw newline, so `data` is one line. */
export function formatServerSentEvent(options: { event?: string; data: unknown }): string {
  const data = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
  return `${options.event === undefined ? '' : `event: ${options.event}\n`}data: ${data}\n\n`;
}

/** An event's JSON; anything else is the upstream's fault (`upstream_error`), never a crash. */
export function parseEventJson(data: string, format: string): unknown {
  try {
    return JSON.parse(data);
  } catch (cause) {
    throw new PalisadeError('upstream_error', `The upstream provider sent a ${format} stream event that is not valid JSON.`, { cause });
  }
}
