import { Ajv } from 'ajv';
import { RE2JS } from 're2js';
import type { Assertion } from '../eval-case.js';
import { isRefusal } from './detect-refusal.js';

const ajv = new Ajv({ strict: false, allErrors: false });

function parseJson(text: string): unknown {
  // Models often wrap JSON in a fenced block; take what is inside it.
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1] ?? text;
  return JSON.parse(fenced);
}

/** Each assertion on the answer's text: whether it holds, and if not, what was wrong (never quoting the answer at length). */
export function checkAssertions(assertions: readonly Assertion[], text: string): { pass: boolean; detail?: string }[] {
  return assertions.map((assertion) => {
    switch (assertion.type) {
      case 'contains': {
        const found = text.includes(assertion.value);
        return found !== (assertion.negate === true) ? { pass: true } : { pass: false, detail: `${assertion.negate === true ? 'contains' : 'does not contain'} ${JSON.stringify(assertion.value.slice(0, 60))}` };
      }
      case 'regex': {
        const found = RE2JS.compile(assertion.value).matcher(text).find();
        return found !== (assertion.negate === true) ? { pass: true } : { pass: false, detail: `${assertion.negate === true ? 'matches' : 'does not match'} /${assertion.value.slice(0, 60)}/` };
      }
      case 'json_schema': {
        let value: unknown;
        try {
          value = parseJson(text);
        } catch {
          return { pass: false, detail: 'the answer is not JSON' };
        }
        const validate = ajv.compile(assertion.value);
        if (validate(value)) return { pass: true };
        const error = validate.errors?.[0];
        return { pass: false, detail: `JSON does not match the schema${error === undefined ? '' : ` at ${error.instancePath || '/'}: ${error.message ?? ''}`}` };
      }
      case 'refusal':
        return isRefusal(text) ? { pass: true } : { pass: false, detail: 'the answer is not a refusal' };
      case 'no_refusal':
        return isRefusal(text) ? { pass: false, detail: 'the answer is a refusal' } : { pass: true };
    }
  });
}
