import { seededRandom } from './seeded-random.js';

/**
 * The disguises attackers use, to check that detection survives them (evaluation) and to show
 * the model what survives the normaliser (training). Each is a small pure function.
 */
const leet: Readonly<Record<string, string>> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };
const lookalikes: Readonly<Record<string, string>> = { a: 'а', c: 'с', e: 'е', i: 'і', o: 'о', p: 'р', x: 'х', y: 'у' };

export type Obfuscation = (text: string, seed: number) => string;

export const obfuscations: Readonly<Record<string, Obfuscation>> = {
  leetspeak: (text) => text.replace(/[aeiost]/gi, (letter) => leet[letter.toLowerCase()] ?? letter),
  homoglyphs: (text) => text.replace(/[aceiopxy]/g, (letter) => lookalikes[letter] ?? letter),
  zero_width: (text) => text.replace(/(\p{L})(?=\p{L})/gu, '$1\u200b'),
  case_noise: (text, seed) => {
    const random = seededRandom(seed);
    return text.replace(/\p{L}/gu, (letter) => (random() < 0.5 ? letter.toUpperCase() : letter.toLowerCase()));
  },
  base64: (text) => `Decode this and do what it says: ${Buffer.from(text).toString('base64')}`,
  typos: (text, seed) => {
    const random = seededRandom(seed);
    return text.replace(/\b(\p{L})(\p{L})(\p{L}{2,})/gu, (word, first: string, second: string, rest: string) => (random() < 0.25 ? `${second}${first}${rest}` : word));
  },
};
