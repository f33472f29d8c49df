import { clampScore, contextAdjustment, type ContextWords } from './context-words.js';
import type { PiiCandidate } from './pii-candidate.js';

const candidatePattern = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g;

/** Numbers published as examples or never issued. */
const knownInvalid = new Set(['078051120', '219099999', '123456789', '111111111', '333333333']);

const ssnContext: ContextWords = {
  raise: ['ssn', 'social security', 'social sec', 'ss#', 'ss #', 'soc sec', 'taxpayer', 'tin '],
  lower: ['phone', 'order', 'invoice', 'tracking', 'zip', 'routing', 'account n', 'isbn', 'call'],
};

/**
 * US Social Security numbers: area not 000, 666 or 900–999; group not 00; serial not 0000.
 * Nine bare digits are common in other numbers, so they need context to pass the default threshold.
 */
export function findUsSsns(text: string): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  for (const match of text.matchAll(candidatePattern)) {
    const [whole, area = '', separator = '', group = '', serial = ''] = match;
    if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') continue;
    if (knownInvalid.has(area + group + serial)) continue;
    const start = match.index;
    const end = start + whole.length;
    const base = separator === '' ? 0.3 : 0.6;
    const score = base + contextAdjustment({ text, start, end, words: ssnContext, raise: 0.35, lower: 0.3 });
    found.push({ entity: 'us_ssn', start, end, score: clampScore(score), evidence: { entity: 'us_ssn', formatted: separator !== '' } });
  }
  return found;
}
