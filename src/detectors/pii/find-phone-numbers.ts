import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Evidence } from '../../core/finding.js';
import { clampScore, contextAdjustment, type ContextWords } from './context-words.js';
import type { PiiCandidate } from './pii-candidate.js';

const candidatePattern = /(?<![\w+@./-])(?:\+|00)?\(?\d[\d \t()./-]{4,22}\d(?![\w@]|[.-]\d)/g;
const datePattern = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const decimalPattern = /^\d+[.,]\d+$/;

const phoneContext: ContextWords = {
  raise: ['phone', 'call', 'tel', 'mobile', 'cell', 'fax', 'whatsapp', 'contact', 'answering', 'reach me', 'text me', 'dial', 'number is'],
  lower: ['order', 'invoice', 'isbn', 'tracking', 'account n', 'reference', 'ref ', 'serial', 'zip', 'postcode', 'id:', 'price', 'total', '$', '€'],
};

/**
 * Phone numbers: international numbers (+ or 00) must be valid for their country by
 * libphonenumber's full metadata; national numbers are scored by validity in the configured
 * regions, by formatting, and by the words around them.
 */
export function findPhoneNumbers(text: string, regions: readonly CountryCode[]): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  for (const match of text.matchAll(candidatePattern)) {
    const candidate = match[0];
    const digits = candidate.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    if (datePattern.test(candidate) || decimalPattern.test(candidate)) continue;
    const start = match.index;
    const end = start + candidate.length;
    const international = candidate.startsWith('+') || candidate.startsWith('00');
    const formatted = /[ \t()./-]/.test(candidate);
    let score: number;
    let region: string | undefined;
    if (international) {
      const parsed = parsePhoneNumberFromString(candidate.startsWith('00') ? `+${candidate.slice(2)}` : candidate);
      if (parsed === undefined || !parsed.isValid()) continue;
      score = 0.9;
      region = parsed.country;
    } else {
      for (const candidateRegion of regions) {
        const parsed = parsePhoneNumberFromString(candidate, candidateRegion);
        if (parsed?.isValid()) {
          region = candidateRegion;
          break;
        }
      }
      score = region !== undefined ? (formatted ? 0.7 : 0.5) : formatted ? 0.35 : 0.2;
    }
    score += contextAdjustment({ text, start, end, words: phoneContext, raise: 0.3, lower: 0.4 });
    const evidence: Evidence = { entity: 'phone', digits: digits.length, region: region ?? 'unknown' };
    found.push({ entity: 'phone', start, end, score: clampScore(score), evidence });
  }
  return found;
}
