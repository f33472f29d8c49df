/** Where a piece of text came from; policy can treat the user's words differently from a tool's. */
export const sourceRoles = ['user', 'system', 'tool', 'retrieved', 'model'] as const;
export type SourceRole = (typeof sourceRoles)[number];

/** The lifecycle stage a check runs in: before the model call or after it. */
export const stages = ['input', 'output'] as const;
export type Stage = (typeof stages)[number];

export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Offsets are UTF-16 code units (JavaScript string indices) into the original, un-normalised text. */
export interface Span {
  start: number;
  end: number;
}

/** Evidence must be safe to log: never the raw secret or personal value, only its shape. */
export type Evidence = Readonly<Record<string, string | number | boolean>>;

/** What a detector reports about one piece of text, before the engine attributes it. */
export interface DetectorHit {
  /** Dotted category, most general first: `pii.email`, `prompt_injection.instruction_override`. */
  category: string;
  score: number;
  severity: Severity;
  spans: Span[];
  evidence: Evidence;
  /** Replacement label for redaction and masking (`EMAIL` → `[EMAIL]`, `<EMAIL_1>`). */
  label?: string;
  /** Set when the hit was inside an encoded segment (base64, hex, rot13…) that was decoded to scan it. */
  encoding?: string;
}

/** A hit attributed to its detector, its source and (for message lists) its message. */
export interface Finding extends DetectorHit {
  detector: string;
  source: SourceRole;
  /** Index into the checked message list; absent when a single text was checked. */
  message?: number;
  /** Where in the message the text is: `content`, `content[1].text`, `tool_calls[0].function.arguments`. */
  field?: string;
}

/** True when `category` equals `prefix` or sits beneath it (`pii` covers `pii.email`). */
export function categoryMatches(category: string, prefix: string): boolean {
  return category === prefix || (category.startsWith(prefix) && category.charCodeAt(prefix.length) === 46);
}
