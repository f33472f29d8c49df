import { clampScore, contextAdjustment, type ContextWords } from './context-words.js';
import type { PiiCandidate } from './pii-candidate.js';

const candidatePattern = /(?<![\d-])(?:\d[ -]?){11,18}\d(?![\d-])/g;

interface Issuer {
  name: string;
  prefixes: readonly (string | readonly [number, number])[];
  lengths: readonly number[];
}

/** Issuer identification ranges (first digits) and the card lengths each issuer uses. */
const issuers: readonly Issuer[] = [
  { name: 'visa', prefixes: ['4'], lengths: [13, 16, 19] },
  { name: 'mastercard', prefixes: [[51, 55], [2221, 2720]], lengths: [16] },
  { name: 'amex', prefixes: ['34', '37'], lengths: [15] },
  { name: 'discover', prefixes: ['6011', '65', [644, 649], [622126, 622925]], lengths: [16, 17, 18, 19] },
  { name: 'jcb', prefixes: [[3528, 3589]], lengths: [16, 17, 18, 19] },
  { name: 'jcb', prefixes: ['1800', '2131'], lengths: [15] },
  { name: 'diners', prefixes: [[300, 305], '3095', '36', '38', '39'], lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'unionpay', prefixes: ['62'], lengths: [16, 17, 18, 19] },
  { name: 'maestro', prefixes: ['5018', '5020', '5038', '5893', '6304', '6759', [6761, 6763]], lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { name: 'mir', prefixes: [[2200, 2204]], lengths: [16] },
];

function matchesPrefix(digits: string, prefix: string | readonly [number, number]): boolean {
  if (typeof prefix === 'string') return digits.startsWith(prefix);
  const width = String(prefix[0]).length;
  const head = Number(digits.slice(0, width));
  return head >= prefix[0] && head <= prefix[1];
}

export function cardIssuer(digits: string): string | undefined {
  return issuers.find((issuer) => issuer.lengths.includes(digits.length) && issuer.prefixes.some((prefix) => matchesPrefix(digits, prefix)))
    ?.name;
}

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

const cardContext: ContextWords = {
  raise: ['card', 'visa', 'mastercard', 'amex', 'credit', 'debit', 'cc ', 'cc#', 'payment', 'pan', 'cvv', 'expir'],
  lower: ['order', 'isbn', 'tracking', 'invoice', 'phone', 'account n', 'reference', 'serial', 'imei', 'barcode', 'ean', 'upc', 'id:'],
};

/** Payment card numbers: 12–19 digits, Luhn checksum, issuer range and length, words around them. */
export function findPaymentCards(text: string): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  for (const match of text.matchAll(candidatePattern)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length < 12 || !passesLuhn(digits) || /^(\d)\1+$/.test(digits)) continue;
    const issuer = cardIssuer(digits);
    const start = match.index;
    const end = start + match[0].length;
    const base = issuer === undefined ? 0.35 : 0.85;
    const score = base + contextAdjustment({ text, start, end, words: cardContext, raise: 0.2, lower: 0.45 });
    found.push({
      entity: 'credit_card',
      start,
      end,
      score: clampScore(score),
      evidence: { entity: 'credit_card', digits: digits.length, issuer: issuer ?? 'unknown', checksum: 'luhn' },
    });
  }
  return found;
}
