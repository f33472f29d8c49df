import { isPlainObject } from './is-plain-object.js';

/**
 * OpenAI tool-call arguments (JSON text) as an Anthropic `input` object; `undefined` when they are
 * not a JSON object, so each caller reports it as its own kind of error. Empty text is `{}`: a
 * call without arguments.
 */
export function parseToolArguments(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
