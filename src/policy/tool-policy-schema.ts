import { z } from 'zod';
import { linearPattern } from '../detectors/linear-pattern.js';

/**
 * The policy file's tool sections: what an agent's model may call, with which arguments, how
 * often, and when a person must approve first.
 *
 *   tool_policy:   settings for every tool (unlisted tools, taint, tokens, approvals)
 *   tools:         one entry per tool name
 *   mcp_servers:   per MCP server: defaults for its tools, and entries for some of them
 */

export const riskLevels = ['read', 'write', 'irreversible'] as const;
export type RiskLevel = (typeof riskLevels)[number];

export const approvalModes = ['never', 'always', 'when_irreversible', 'when_tainted'] as const;
export type ApprovalMode = (typeof approvalModes)[number];

/** Argument checks Palisade knows how to do well, so policies need not write fragile patterns. */
export const argumentChecks = ['shell_metacharacters', 'private_network_url', 'path_traversal'] as const;
export type ArgumentCheck = (typeof argumentChecks)[number];

const toolName = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'letters, digits and "_.:/-", at most 128');

/** A JSON pointer (RFC 6901) into the arguments, e.g. `/url` or `/recipients/0`; `''` is the whole object. */
const jsonPointer = z.string().regex(/^(?:\/(?:[^~/]|~[01])*)*$/, 'a JSON pointer such as "/url" or "/files/0/path"');

const argumentRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'start with a lower-case letter; then letters, digits, "_" and "-"').optional(),
    /** Which argument: a JSON pointer, or `*` for every string in the arguments. */
    path: z.union([jsonPointer, z.literal('*')]).default('*'),
    /** A built-in check that refuses dangerous values. */
    check: z.enum(argumentChecks).optional(),
    /** The value must match this (RE2, linear time); a missing value passes unless `required`. */
    pattern: linearPattern.optional(),
    /** The value must not match this (RE2, linear time). */
    deny_pattern: linearPattern.optional(),
    /** A value absent at `path` fails the rule (default: it passes, leaving presence to the schema). */
    required: z.boolean().default(false),
  })
  .strict()
  .refine((rule) => [rule.check, rule.pattern, rule.deny_pattern].filter((part) => part !== undefined).length === 1, {
    message: 'an argument rule needs exactly one of check, pattern, deny_pattern',
  });

export type ArgumentRuleInput = z.output<typeof argumentRuleSchema>;

const limitsSchema = z
  .object({
    /** Calls allowed per minute, per tenant. */
    per_minute: z.number().int().min(1).max(1_000_000).optional(),
    /** Calls allowed per session (the `x-palisade-session-id` header; else per API key and day). */
    per_session: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

/** What a tool entry and an MCP server's defaults share. */
const toolSettingsShape = {
  description: z.string().max(2000).optional(),
  risk: z.enum(riskLevels).optional(),
  approval: z.enum(approvalModes).optional(),
  /** Only these tenants may use it (default: every tenant). */
  tenants: z.array(z.string().min(1)).min(1).optional(),
  /** Only on these routes (the model's policy route). */
  routes: z.array(z.string().min(1)).min(1).optional(),
  /** The calling key must hold all of these scopes. */
  scopes: z.array(z.enum(['inference', 'admin', 'operator'])).min(1).optional(),
  limits: limitsSchema.optional(),
  /** `false` refuses the tool outright, whatever else says. */
  enabled: z.boolean().optional(),
};

const toolSchema = z
  .object({
    ...toolSettingsShape,
    arguments: z
      .object({
        /** JSON Schema (draft 2020-12 or 07) the parsed arguments must satisfy. */
        schema: z.record(z.string(), z.unknown()).optional(),
        rules: z.array(argumentRuleSchema).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ToolInput = z.output<typeof toolSchema>;

const mcpServerSchema = z
  .object({
    ...toolSettingsShape,
    /** Tools of this server not listed under `tools`: allowed with the server's settings, or denied. */
    unlisted: z.enum(['allow', 'deny']).optional(),
    tools: z.record(toolName, toolSchema).default({}),
  })
  .strict();

export type McpServerInput = z.output<typeof mcpServerSchema>;

export const toolPolicySchema = z
  .object({
    /** A tool the policy does not list: refused (default) or allowed as `read` with no approval. */
    unlisted: z.enum(['allow', 'deny']).default('deny'),
    /** A refused call is replaced by an explanation in the answer (default), or the whole answer is blocked. */
    on_deny: z.enum(['explain', 'block']).default('explain'),
    /** The risk of a listed tool that does not say. */
    default_risk: z.enum(riskLevels).default('write'),
    /** The approval mode of a listed tool that does not say: irreversible tools wait for a person. */
    default_approval: z.enum(approvalModes).default('when_irreversible'),
    taint: z
      .object({
        /**
         * Findings on tool output or retrieved text at or above this score taint the conversation.
         * 0.8 is the classifiers' 0.1 %-false-positive point: ordinary tool output (notes, pages
         * with addresses) reaches 0.5 often enough that a lower default would taint most agent
         * sessions and hold or refuse their tools for nothing.
         */
        min_score: z.number().min(0).max(1).default(0.8),
        /** Which findings taint (category prefixes). */
        categories: z.array(z.string().min(1)).min(1).default(['indirect_injection', 'prompt_injection']),
      })
      .strict()
      .default({ min_score: 0.8, categories: ['indirect_injection', 'prompt_injection'] }),
    tokens: z
      .object({
        ttl_seconds: z.number().int().min(1).max(3600).default(60),
        /** A token authorises one execution; a tool server refuses it the second time. */
        single_use: z.boolean().default(true),
      })
      .strict()
      .default({ ttl_seconds: 60, single_use: true }),
    approvals: z
      .object({
        /** A pending approval request expires after this. */
        ttl_seconds: z.number().int().min(10).max(7 * 86_400).default(3600),
      })
      .strict()
      .default({ ttl_seconds: 3600 }),
  })
  .strict();

export const toolSections = {
  tool_policy: toolPolicySchema.default(toolPolicySchema.parse({})),
  tools: z.record(toolName, toolSchema).default({}),
  mcp_servers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-"'), mcpServerSchema).default({}),
};
