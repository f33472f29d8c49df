import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Evidence } from '../../core/finding.js';
import { clampScore, contextAdjustment, type ContextWords } from './context-words.js';
import type { PiiCandidate } from './pii-candidate.js';

const candidatePattern = /(?<![\w+@./-])(?:\+|00)?\(?\d[\d \t()./-]{4,22}\d(?: ?(?:x|ext\.?|extension) ?\d{1,6})?(?![\w@]|[.-]\d)/g;
const extensionPattern = / ?(?:x|ext\.?|extension) ?\d{1,6}$/;
/** A date, optionally followed by a time: "2006-04-07 09" is not a phone number. */
const datePattern = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:$|[ T]\d)/;
/** Written like a US SSN (3-2-4): phones are almost never grouped this way. */
const ssnShape = /^\d{3}-\d{2}-\d{4}$/;
const decimalPattern = /^\d+[.,]\d+$/;

const phoneContext: ContextWords = {
  raise: ['phone', 'call', 'tel', 'mobile', 'cell', 'fax', 'whatsapp', 'contact', 'answering', 'reach me', 'text me', 'dial', 'desk', 'office:'],
  lower: [
    'order', 'invoice', 'isbn', 'tracking', 'account n', 'reference', 'ref ', 'serial', 'zip', 'postcode', 'id:', 'price', 'total', '$', '€',
    'license', 'licence', 'passport', 'ssn', 'social security', 'date', 'when:', 'born',
    'address', 'located', 'suite', 'apt', ' street', ' st ', ' st.', ' rd', ' road', ' ave', ' avenue', ' dr ', ' drive', ' lane', ' la ', ' pl ', ' blvd', 'rue ', 'return to', 'drops you off', ' is at ', 'offices are',
  ],
};

/** Candidates checked against libphonenumber per text; beyond this they are scored by shape alone. */
const maxValidations = 256;

/** Mostly single digits ("1 1 1 1 1 1 1") is a list of numbers, not a phone number. */
function looksGrouped(candidate: string): boolean {
  const groups = candidate.split(/[ \t()./-]+/).filter((group) => group !== '');
  return groups.filter((group) => group.length === 1).length * 2 <= groups.length;
}

/**
 * Phone numbers, scored with libphonenumber's full metadata: an international number (+ or 00)
 * valid for its country scores high, one that is only possible (right length, unassigned
 * range) needs supporting words; national numbers are scored by validity in the configured
 * regions, by formatting, and by the words around them.
 */
export function findPhoneNumbers(text: string, regions: readonly CountryCode[]): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  let validations = 0;
  for (const match of text.matchAll(candidatePattern)) {
    const candidate = match[0];
    if (!looksGrouped(candidate)) continue;
    const number = candidate.replace(extensionPattern, '');
    const digits = number.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    if (datePattern.test(number) || decimalPattern.test(number)) continue;
    const start = match.index;
    const end = start + candidate.length;
    // "+41 (0)85 …": the bracketed trunk zero is dialled only from inside the country.
    const dialled = number.replace(/\(0\)\s?/, '');
    const international = dialled.startsWith('+') || dialled.startsWith('00');
    const formatted = /[ \t()./-]/.test(number);
    let score: number;
    let region: string | undefined;
    const validate = validations++ < maxValidations;
    if (international && !validate) score = 0.35;
    else if (international) {
      const parsed = parsePhoneNumberFromString(dialled.startsWith('00') ? `+${dialled.slice(2)}` : dialled);
      if (parsed === undefined || !parsed.isPossible()) continue;
      // A possible but invalid number (an unassigned range) still looks like a phone; it needs context.
      score = parsed.isValid() ? 0.9 : 0.4;
      region = parsed.country;
    } else {
      for (const candidateRegion of validate ? regions : []) {
        const parsed = parsePhoneNumberFromString(dialled, candidateRegion);
        if (parsed?.isValid()) {
          region = candidateRegion;
          break;
        }
      }
      score = region !== undefined ? (formatted ? 0.7 : 0.5) : formatted ? 0.35 : 0.2;
    }
    score += contextAdjustment({ text, start, end, words: phoneContext, raise: 0.3, lower: 0.4 });
    if (ssnShape.test(number)) score -= 0.4;
    const evidence: Evidence = { entity: 'phone', digits: digits.length, region: region ?? 'unknown' };
    found.push({ entity: 'phone', start, end, score: clampScore(score), evidence });
  }
  return found;
}
