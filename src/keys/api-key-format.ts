import { createHash, randomBytes } from 'node:crypto';

/**
 * Palisade API keys look like `psk_<id>_<secret>`:
 * - `id`: 8 characters of lowercase base32 (`a-z2-7`, 40 bits): names the key in lists, logs
 *   and audit events; `psk_<id>` is the visible prefix;
 * - `secret`: 40 base62 characters (about 238 bits), the part that makes the key unguessable.
 */
export const apiKeyIdLength = 8;
export const apiKeySecretLength = 40;

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
const base62Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const apiKeyPattern = new RegExp(`^psk_([a-z2-7]{${apiKeyIdLength}})_([A-Za-z0-9]{${apiKeySecretLength}})$`);
const longestKey = 'psk_'.length + apiKeyIdLength + 1 + apiKeySecretLength;

export interface GeneratedApiKey {
  /** The plaintext key: give it to the caller once, never store or log it. */
  key: string;
  id: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const id = randomBase32(apiKeyIdLength);
  const key = `psk_${id}_${randomBase62(apiKeySecretLength)}`;
  return { key, id, prefix: apiKeyPrefix(id), hash: hashApiKey(key) };
}

export function apiKeyPrefix(id: string): string {
  return `psk_${id}`;
}

/** The id of a well-formed key, or `undefined` for anything else. */
export function parseApiKey(presented: string): { id: string } | undefined {
  if (presented.length !== longestKey) return undefined;
  const match = apiKeyPattern.exec(presented);
  return match?.[1] === undefined ? undefined : { id: match[1] };
}

/**
 * sha256 of the whole key, as 64 lowercase hex characters. A fast hash is the right choice here,
 * unlike for passwords: the secret is ~238 random bits, so there is nothing to brute-force from a
 * leaked hash, and a slow KDF (bcrypt, scrypt) would only add milliseconds to every request. A
 * deterministic hash also lets the store find the key by an indexed lookup.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function randomBase32(length: number): string {
  // 256 is a multiple of 32, so masking a byte to 5 bits keeps every character equally likely.
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += base32Alphabet[byte & 31];
  return text;
}

function randomBase62(length: number): string {
  // Rejection sampling: bytes ≥ 248 (= 4 × 62) are dropped so that `% 62` has no bias.
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte >= 248) continue;
      text += base62Alphabet[byte % 62];
      if (text.length === length) break;
    }
  }
  return text;
}
