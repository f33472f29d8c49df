import { z } from 'zod';
import type { EvalCase, EvalMessage } from '../eval-case.js';
import { hashText, seededRandom } from './seeded-random.js';

/**
 * A strategy is a value: how it mutates an attack case into harder-to-catch variants. `apply` is
 * pure and deterministic (random choices are seeded by the options' seed and the case id), and
 * returns no case when the mutation would not change anything (rot13 of Chinese text). Its
 * options are validated by `optionsSchema` when a suite loads, so a typo fails at load time.
 */
export interface Strategy<Options = unknown> {
  /** As a suite names it (snake_case), and the suffix of derived ids: `<parent id>~<name>`. */
  readonly name: string;
  readonly description: string;
  /** Validates the suite's `options` and fills defaults; `{}` must be accepted. */
  readonly optionsSchema: z.ZodType<Options>;
  apply(evalCase: EvalCase, options: Options): EvalCase[];
}

export function defineStrategy<Options>(strategy: Strategy<Options>): Strategy<Options> {
  return Object.freeze(strategy);
}

/** A strategy with its validated options, as a suite lists it. */
export interface ConfiguredStrategy {
  strategy: Strategy;
  options: unknown;
}

/** The `seed` option most strategies take: change it to get other (still reproducible) variants. */
export const seedOption = z.number().int().min(0).max(0xffffffff).default(0);

/** A generator seeded by the option and the case id, so each case gets its own variant. */
export function caseRandom(evalCase: EvalCase, seed: number): () => number {
  return seededRandom(hashText(`${seed}\u0000${evalCase.id}`));
}

/**
 * The message a strategy rewrites: the last user message (the attack), else the last message
 * that is not the system prompt. -1 when there is none.
 */
export function payloadIndex(messages: readonly EvalMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index--) if (messages[index]?.role === 'user') return index;
  for (let index = messages.length - 1; index >= 0; index--) if (messages[index]?.role !== 'system') return index;
  return -1;
}

/** A case derived from `parent` by `strategy`: new id, same kind, expectation, category and assertions. */
export function deriveCase(parent: EvalCase, options: { strategy: string; messages: EvalMessage[]; language?: string; tags?: readonly string[] }): EvalCase {
  const derived: EvalCase = {
    ...parent,
    id: `${parent.id}~${options.strategy}`,
    messages: options.messages,
    tags: [...parent.tags, ...(options.tags ?? []).filter((tag) => !parent.tags.includes(tag))],
    strategy: options.strategy,
    parent: parent.id,
  };
  if (options.language !== undefined) derived.language = options.language;
  return derived;
}

/**
 * Rewrites the payload message's content. No case when there is no payload or the rewrite
 * returns undefined or the same text.
 */
export function rewritePayload(parent: EvalCase, options: { strategy: string; rewrite: (text: string) => string | undefined; language?: string; tags?: readonly string[] }): EvalCase[] {
  const index = payloadIndex(parent.messages);
  const message = parent.messages[index];
  if (message === undefined) return [];
  const content = options.rewrite(message.content);
  if (content === undefined || content === message.content) return [];
  const messages = parent.messages.map((item, position) => (position === index ? { ...item, content } : item));
  return [deriveCase(parent, { ...options, messages })];
}

/** Replaces the payload message by several messages (payload splitting). */
export function replacePayload(parent: EvalCase, options: { strategy: string; replace: (message: EvalMessage) => EvalMessage[] | undefined }): EvalCase[] {
  const index = payloadIndex(parent.messages);
  const message = parent.messages[index];
  if (message === undefined) return [];
  const replacement = options.replace(message);
  if (replacement === undefined) return [];
  const messages = [...parent.messages.slice(0, index), ...replacement, ...parent.messages.slice(index + 1)];
  return [deriveCase(parent, { strategy: options.strategy, messages })];
}
