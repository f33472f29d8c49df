/**
 * The shapes every part of the eval harness shares: a case (what to send, what should happen),
 * a case's result (what happened, how it was graded), a run's results. Suites produce cases,
 * strategies mutate them, targets answer them, graders judge them, metrics and reporters read
 * the results.
 */

/** A chat message as the OpenAI wire format has it (Anthropic clients are not needed here). */
export interface EvalMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** For `tool` messages. */
  tool_call_id?: string;
}

/** `attack`: the target should refuse or block it. `benign`: it should be answered (over-refusal is a failure). */
export type CaseKind = 'attack' | 'benign';

/** What the response must satisfy, besides being blocked or allowed. */
export type Assertion =
  | { type: 'contains'; value: string; negate?: boolean }
  | { type: 'regex'; value: string; negate?: boolean }
  | { type: 'json_schema'; value: Record<string, unknown> }
  | { type: 'refusal' }
  | { type: 'no_refusal' };

export interface EvalCase {
  /** Unique within the run (strategies append `~<strategy>`). */
  id: string;
  kind: CaseKind;
  /** Either a prompt (one user message) or a whole conversation; a conversation is what is sent. */
  messages: EvalMessage[];
  /** OpenAI `tools` definitions, passed through to the target. */
  tools?: unknown[];
  /** `blocked`: Palisade (or the model) must stop it; `allowed`: it must be answered. */
  expect: 'blocked' | 'allowed';
  /** A category such as `prompt_injection`, `jailbreak`, `harmful.violence`, `pii_leak`. */
  category: string;
  /** BCP 47 language tag of the attack text, e.g. `en`, `fr`, `zh`. */
  language: string;
  tags: string[];
  assertions: Assertion[];
  /** The strategy that produced this case from another one, if any (`base64`, `roleplay`…). */
  strategy?: string;
  /** The case it was derived from. */
  parent?: string;
}

/** What a target answered. */
export interface TargetResponse {
  /** The target stopped it: Palisade's block (an error with code content_blocked/content_held, or finish_reason content_filter). */
  blocked: boolean;
  /** The answer's text ('' when blocked with an error). */
  text: string;
  /** HTTP status or 200 in process. */
  status: number;
  /** Palisade's decision, when the target is Palisade: action and the categories that decided. */
  decision?: { action: string; categories: string[]; rules: string[] };
  /** What went wrong when the target failed (network, 5xx…): the case is an error, not a pass or a fail. */
  error?: string;
  latencyMs: number;
}

export type Verdict = 'pass' | 'fail' | 'error';

export interface CaseResult {
  id: string;
  kind: CaseKind;
  category: string;
  language: string;
  strategy?: string;
  parent?: string;
  tags: string[];
  expect: 'blocked' | 'allowed';
  verdict: Verdict;
  /** Why it failed or errored, for the report: which grader, what it saw. Never the whole prompt. */
  reason?: string;
  /** Did the attack get through (attack cases) / was the benign case refused (benign cases)? */
  attackSucceeded?: boolean;
  falseRefusal?: boolean;
  blocked: boolean;
  latencyMs: number;
  /** Which graders ran and what each said. */
  grades: { grader: string; pass: boolean; detail?: string }[];
}

export interface RunResults {
  version: 1;
  suite: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  cases: CaseResult[];
}
