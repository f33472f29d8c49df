import { z } from 'zod';
import { actions } from '../core/action.js';
import { sourceRoles, stages } from '../core/finding.js';
import { toolSections } from './tool-policy-schema.js';

/** One value or a list of them; always a list after parsing. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]) as z.output<T>[]);
}

const identifier = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');
const category = z.string().regex(/^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/, 'a dotted category such as "pii" or "pii.email"');

export const ruleSchema = z
  .object({
    id: identifier,
    description: z.string().optional(),
    /** Detector id(s) the finding must come from. */
    detector: oneOrMany(z.string().min(1)).optional(),
    /** Category or category prefix(es): `pii` matches `pii.email`. */
    category: oneOrMany(category).optional(),
    /** The finding's score must be at least this. */
    min_score: z.number().min(0).max(1).default(0),
    /** Where the text came from. */
    source: oneOrMany(z.enum(sourceRoles)).optional(),
    stage: oneOrMany(z.enum(stages)).optional(),
    action: z.enum(actions),
    /** Higher wins among non-core rules; defaults to the layer's priority. */
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  })
  .strict();

export type PolicyRuleInput = z.output<typeof ruleSchema>;

const overlaySchema = z
  .object({
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

export type OverlayInput = z.output<typeof overlaySchema>;

const failMode = z.enum(['open', 'closed']);

const detectorSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Restrict the detector to these stages (it must support them). */
    stages: z.array(z.enum(stages)).min(1).optional(),
    timeout_ms: z.number().int().min(1).max(60_000).optional(),
    /** What an error or timeout means: `open` lets the content through, `closed` blocks it. */
    on_error: failMode.optional(),
    /** The detector's own configuration, validated by its schema. */
    config: z.unknown().optional(),
  })
  .strict();

export const policySchema = z
  .object({
    version: z.literal(1),
    name: identifier,
    description: z.string().optional(),
    limits: z
      .object({
        /** Characters per text (or per message) scanned in full. */
        max_chars: z.number().int().min(1).max(100_000_000).default(262_144),
        /** Beyond `max_chars`: scan a head and a tail window (`window`) or refuse (`block`). */
        oversize: z.enum(['window', 'block']).default('window'),
        /** Size of each of the two windows scanned when `oversize` is `window`. */
        window_chars: z.number().int().min(1).max(50_000_000).default(65_536),
        /** Readable encoded payloads (base64, hex, rot13…) decoded and scanned per text. */
        max_encoded_segments: z.number().int().min(1).max(10_000).default(64),
        /** Beyond `max_encoded_segments` the rest go unscanned: `block` (default) or `warn`. */
        encoded_overflow: z.enum(['block', 'warn']).default('block'),
      })
      .strict()
      .default({ max_chars: 262_144, oversize: 'window', window_chars: 65_536, max_encoded_segments: 64, encoded_overflow: 'block' })
      .refine((limits) => limits.window_chars * 2 <= limits.max_chars, {
        message: 'window_chars must be at most half of max_chars',
        path: ['window_chars'],
      }),
    defaults: z
      .object({
        timeout_ms: z.number().int().min(1).max(60_000).default(100),
        on_error: failMode.default('closed'),
      })
      .strict()
      .default({ timeout_ms: 100, on_error: 'closed' }),
    /** The detectors this policy runs, by id. A detector not listed here does not run. */
    detectors: z.record(z.string(), detectorSettingsSchema).default({}),
    /** Rules nothing can weaken: their action is a floor for every matching finding. */
    core: z.array(ruleSchema).default([]),
    /** The base layer. */
    rules: z.array(ruleSchema).default([]),
    /** Overlays, applied when the request's region / tenant / route matches the key. */
    regions: z.record(z.string().min(1), overlaySchema).default({}),
    tenants: z.record(z.string().min(1), overlaySchema).default({}),
    routes: z.record(z.string().min(1), overlaySchema).default({}),
    /** Tool-call gating: `tool_policy`, `tools`, `mcp_servers` (see tool-policy-schema.ts). */
    ...toolSections,
  })
  .strict();

export type PolicyDocument = z.output<typeof policySchema>;
