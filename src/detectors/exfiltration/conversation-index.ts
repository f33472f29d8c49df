import { letterSkeleton, type LetterSkeleton } from '../letter-skeleton.js';
import { VerbatimIndex } from '../verbatim-index.js';

/** Characters of the conversation indexed (its end, the most recent part), which bounds the work per request. */
export const maxConversationChars = 262_144;

/** URLs the conversation itself contains: a link the user pasted, repeated in the answer, carries nothing new. */
const urlLike = /(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:\/\/|www\.)[^\s<>"'`)\]]*/g;

/**
 * Letters and digits only, compatibility-decomposed and lower-cased, so case, accents,
 * full-width forms, look-alikes, leetspeak, spacing and separators (`+`, `_`, `%20`…) do not
 * matter. Both the conversation and the URL's values are read this way.
 */
export function plainLetters(text: string): LetterSkeleton {
  return letterSkeleton(text.normalize('NFKD').toLowerCase());
}

/**
 * The conversation's letters and digits (URLs left out), indexed by windows of `width`: a URL
 * holding any such window holds that stretch of the conversation.
 */
export function indexConversation(conversation: string, width: number): VerbatimIndex | undefined {
  const recent = conversation.length > maxConversationChars ? conversation.slice(-maxConversationChars) : conversation;
  const skeleton = plainLetters(recent.replace(urlLike, ' '));
  return skeleton.codes.length < width ? undefined : new VerbatimIndex(skeleton.codes, width);
}
