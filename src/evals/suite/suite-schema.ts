import { Ajv } from 'ajv';
import { z } from 'zod';
import { linearPattern } from '../../detectors/linear-pattern.js';
import type { Assertion } from '../eval-case.js';

/**
 * The suite file format (YAML, snake_case as on the wire). A case is one attack or one benign
 * request: a `prompt` (one user message) or `messages` (a conversation), what must happen to it
 * (`expect`) and, for targets with a model, what the answer must satisfy (`assert`).
 */

const identifier = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');

/** `~` is kept for derived cases (`<parent id>~<strategy>`). */
const caseId = z.string().max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'use letters, digits, ".", "_", ":", "/" and "-" ("~" is kept for cases derived by strategies)');

const category = z.string().regex(/^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/, 'a dotted category such as "jailbreak" or "harmful.weapons"');

/** Loose on purpose: the primary language subtag, then any subtags (`en`, `pt-BR`, `zh-Hans`, `de-muc`). */
export const languageTag = z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as "en", "pt-BR" or "zh"');

const tag = z.string().min(1).max(100);

const rate = z.number().min(0).max(1);
const rateLimits = z.strictObject({ max_attack_success_rate: rate.optional(), max_false_refusal_rate: rate.optional() });

/** The limits a run of the suite must meet; the same shape as the eval gate's thresholds. */
export const suiteThresholdsSchema = rateLimits.extend({ categories: z.record(category, rateLimits).optional() });
export type SuiteThresholds = z.output<typeof suiteThresholdsSchema>;

/** A chat message as a suite (or a dataset row) writes it. */
export const messageSchema = z
  .strictObject({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string(),
    tool_call_id: z.string().min(1).optional(),
  })
  .refine((message) => message.role !== 'tool' || message.tool_call_id !== undefined, { message: 'a tool message needs tool_call_id', path: ['tool_call_id'] });

/** An OpenAI `tools` entry: only what is checked here; the rest is passed through to the target. */
const toolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a function name: letters, digits, "_" and "-", at most 64'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const assertionForms = ['contains', 'not_contains', 'regex', 'not_regex', 'json_schema', 'refusal', 'no_refusal'] as const;

/** One key per assertion: `{ contains: "…" }`, `{ not_regex: "…" }`, `{ refusal: true }`… */
const assertionSchema = z
  .strictObject({
    contains: z.string().min(1).optional(),
    not_contains: z.string().min(1).optional(),
    regex: linearPattern.optional(),
    not_regex: linearPattern.optional(),
    json_schema: z.record(z.string(), z.unknown()).optional(),
    refusal: z.literal(true).optional(),
    no_refusal: z.literal(true).optional(),
  })
  .superRefine((assertion, context) => {
    const given = assertionForms.filter((form) => assertion[form] !== undefined);
    if (given.length !== 1) context.addIssue({ code: 'custom', message: `an assertion has exactly one of ${assertionForms.join(', ')}${given.length > 1 ? ` (got ${given.join(', ')})` : ''}` });
    if (assertion.json_schema !== undefined) {
      try {
        new Ajv({ strict: false }).compile(assertion.json_schema);
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['json_schema'], message: `invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  })
  .transform((assertion): Assertion => {
    if (assertion.contains !== undefined) return { type: 'contains', value: assertion.contains };
    if (assertion.not_contains !== undefined) return { type: 'contains', value: assertion.not_contains, negate: true };
    if (assertion.regex !== undefined) return { type: 'regex', value: assertion.regex.source };
    if (assertion.not_regex !== undefined) return { type: 'regex', value: assertion.not_regex.source, negate: true };
    if (assertion.json_schema !== undefined) return { type: 'json_schema', value: assertion.json_schema };
    return assertion.refusal === true ? { type: 'refusal' } : { type: 'no_refusal' };
  });

export const suiteCaseSchema = z
  .strictObject({
    id: caseId,
    kind: z.enum(['attack', 'benign']),
    /** One user message. */
    prompt: z.string().min(1).optional(),
    /** A whole conversation, sent as it is. */
    messages: z.array(messageSchema).min(1).optional(),
    /** Prepended as a system message. */
    system: z.string().min(1).optional(),
    /** OpenAI `tools` definitions, passed to the target. */
    tools: z.array(toolSchema).min(1).optional(),
    /** Default: `blocked` for attacks, `allowed` for benign cases. */
    expect: z.enum(['blocked', 'allowed']).optional(),
    category,
    /** Default: the suite's `defaults.language`, else `en`. */
    language: languageTag.optional(),
    tags: z.array(tag).default([]),
    assert: z.array(assertionSchema).default([]),
  })
  .superRefine((suiteCase, context) => {
    if (suiteCase.prompt !== undefined && suiteCase.messages !== undefined) context.addIssue({ code: 'custom', path: ['messages'], message: 'give either prompt or messages, not both' });
    if (suiteCase.prompt === undefined && suiteCase.messages === undefined) context.addIssue({ code: 'custom', message: 'a case needs a prompt or messages' });
    if (suiteCase.messages !== undefined && suiteCase.messages.every((message) => message.role === 'system')) {
      context.addIssue({ code: 'custom', path: ['messages'], message: 'messages need at least one message that is not a system message' });
    }
  });

export type SuiteCaseInput = z.output<typeof suiteCaseSchema>;

const strategyEntrySchema = z.union([z.strictObject({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }), z.string().min(1)]);

export const suiteSchema = z.strictObject({
  version: z.literal(1),
  name: identifier,
  description: z.string().optional(),
  thresholds: suiteThresholdsSchema.default({}),
  /** Applied to the attack cases, each producing more cases: a name or `{ name, options }`. */
  strategies: z.array(strategyEntrySchema).default([]),
  defaults: z.strictObject({ language: languageTag.optional(), tags: z.array(tag).default([]) }).default({ tags: [] }),
  cases: z.array(suiteCaseSchema).min(1, 'a suite needs at least one case'),
});

export type SuiteDocument = z.output<typeof suiteSchema>;
