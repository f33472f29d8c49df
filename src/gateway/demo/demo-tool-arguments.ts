import { isPlainObject } from '../wire/is-plain-object.js';

/** Words that join a tool's name to what it should act on: "use search for cats" → "cats". */
const joiningWords = /^(?:with|for|to|on|about|using|of|and|the|tool|function|please)\b[\s:,-]*/i;

function schemaOf(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

/** `name=value`, `name: value` or `name "value"` in the message; quoted values may hold spaces. */
function explicitValue(text: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`\\b${escaped}\\s*(?:=|:)\\s*(?:"([^"]*)"|'([^']*)'|([^\\s,;]+))`, 'i').exec(text);
  if (match === null) return undefined;
  return match[1] ?? match[2] ?? match[3];
}

function numberIn(text: string): number | undefined {
  const match = /-?\d+(?:\.\d+)?/.exec(text);
  return match === null ? undefined : Number(match[0]);
}

function coerce(options: { raw: string; schema: Record<string, unknown> }): unknown {
  const { raw, schema } = options;
  switch (schema.type) {
    case 'integer':
      return Math.trunc(numberIn(raw) ?? 0);
    case 'number':
      return numberIn(raw) ?? 0;
    case 'boolean':
      return !/^(?:false|no|0|off)$/i.test(raw);
    case 'array':
      return raw.split(/\s*\|\s*/).filter((item) => item !== '');
    default:
      return raw;
  }
}

function fallbackValue(options: { schema: Record<string, unknown>; subject: string; text: string }): unknown {
  const { schema, subject, text } = options;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
      return Math.trunc(numberIn(text) ?? (typeof schema.minimum === 'number' ? schema.minimum : 1));
    case 'number':
      return numberIn(text) ?? (typeof schema.minimum === 'number' ? schema.minimum : 1);
    case 'boolean':
      return true;
    case 'array':
      return schemaOf(schema.items).type === 'string' && subject !== '' ? [subject] : [];
    case 'object':
      return {};
    default:
      return subject;
  }
}

/**
 * Arguments for a demo tool call, built from the user's message and the tool's JSON Schema:
 * `name=value` pairs in the message fill their properties; the other required properties (every
 * property when none is required) get the words after the tool's name (strings), the first
 * number in the message (numbers), `true`, the schema's default or first enum value.
 * Deterministic: the same message and schema give the same arguments.
 */
export function demoToolArguments(options: { parameters: unknown; text: string; mention: number; toolName: string }): Record<string, unknown> {
  const { text, mention, toolName } = options;
  const parameters = schemaOf(options.parameters);
  const properties = schemaOf(parameters.properties);
  const names = Object.keys(properties);
  const required = Array.isArray(parameters.required) ? parameters.required.filter((name): name is string => typeof name === 'string' && name in properties) : [];
  const after = mention < 0 ? text : text.slice(mention + toolName.length);
  let subject = after.trim().replace(/^[\s:,.-]+/, '');
  while (joiningWords.test(subject)) subject = subject.replace(joiningWords, '');
  subject = subject.replace(/[\s.?!]+$/, '') || text.trim();

  const args: Record<string, unknown> = {};
  for (const name of names) {
    const schema = schemaOf(properties[name]);
    const raw = explicitValue(text, name);
    if (raw !== undefined) args[name] = coerce({ raw, schema });
    else if (required.length === 0 || required.includes(name)) args[name] = fallbackValue({ schema, subject, text });
  }
  return args;
}
