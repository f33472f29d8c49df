import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeyIdLength, apiKeySecretLength, generateApiKey, hashApiKey, parseApiKey } from './api-key-format.js';

describe('generateApiKey', () => {
  it('makes psk_<8 base32>_<40 base62> keys with their prefix and hash', () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^psk_[a-z2-7]{8}_[A-Za-z0-9]{40}$/);
    expect(generated.prefix).toBe(`psk_${generated.id}`);
    expect(generated.key.startsWith(`${generated.prefix}_`)).toBe(true);
    expect(generated.hash).toBe(createHash('sha256').update(generated.key).digest('hex'));
    expect(parseApiKey(generated.key)).toEqual({ id: generated.id });
  });

  it('has at least 190 bits of secret', () => {
    expect(apiKeySecretLength * Math.log2(62)).toBeGreaterThanOrEqual(190);
  });

  it('never repeats and uses every character about equally often', () => {
    const count = 2000;
    const keys = Array.from({ length: count }, () => generateApiKey());
    expect(new Set(keys.map((key) => key.key)).size).toBe(count);
    expect(new Set(keys.map((key) => key.id)).size).toBe(count);
    expect(new Set(keys.map((key) => key.key.slice(-apiKeySecretLength))).size).toBe(count);

    const secretCounts = new Map<string, number>();
    const idCounts = new Map<string, number>();
    for (const { key, id } of keys) {
      for (const character of key.slice(-apiKeySecretLength)) secretCounts.set(character, (secretCounts.get(character) ?? 0) + 1);
      for (const character of id) idCounts.set(character, (idCounts.get(character) ?? 0) + 1);
    }
    // Expected ~1290 per secret character (sd ~36) and 500 per id character (sd ~22): the
    // bounds are over ten standard deviations away, so only a biased or truncated alphabet fails.
    expect(secretCounts.size).toBe(62);
    expect(Math.min(...secretCounts.values())).toBeGreaterThan(900);
    expect(Math.max(...secretCounts.values())).toBeLessThan(1700);
    expect(idCounts.size).toBe(32);
    expect(Math.min(...idCounts.values())).toBeGreaterThan(250);
    expect(Math.max(...idCounts.values())).toBeLessThan(750);
  });
});

describe('parseApiKey', () => {
  const id = 'abcdefg2';
  const secret = 'x'.repeat(apiKeySecretLength);

  it('accepts exactly the format', () => {
    expect(id).toHaveLength(apiKeyIdLength);
    expect(parseApiKey(`psk_${id}_${secret}`)).toEqual({ id });
  });

  it.each([
    ['another prefix', `sk_${id}_${secret}x`],
    ['an upper-case id', `psk_${id.toUpperCase()}_${secret}`],
    ['a digit outside base32 in the id', `psk_abcdefg1_${secret}`],
    ['a short secret', `psk_${id}_${secret.slice(1)}`],
    ['a long secret', `psk_${id}_${secret}x`],
    ['a symbol in the secret', `psk_${id}_${secret.slice(1)}-`],
    ['a look-alike letter', `psk_${id}_${secret.slice(1)}х`],
    ['surrounding space', ` psk_${id}_${secret.slice(1)}`],
    ['a line break', `psk_${id}_${secret.slice(1)}\n`],
    ['the empty string', ''],
  ])('refuses %s', (_label, presented) => {
    expect(parseApiKey(presented)).toBeUndefined();
  });

  it('refuses a huge input without scanning it', () => {
    expect(parseApiKey('psk_'.repeat(250_000))).toBeUndefined();
  });
});

describe('hashApiKey', () => {
  it('is sha256 hex, and one character changes it', () => {
    const key = `psk_abcdefg2_${'y'.repeat(apiKeySecretLength)}`;
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(`${key.slice(0, -1)}z`)).not.toBe(hashApiKey(key));
  });
});
