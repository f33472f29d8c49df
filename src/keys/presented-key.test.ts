import { describe, expect, it } from 'vitest';
import { presentedKey } from './presented-key.js';

const key = `psk_abcdefg2_${'k'.repeat(40)}`;
const other = `psk_bcdefgh3_${'m'.repeat(40)}`;

describe('presentedKey', () => {
  it('reads a Bearer token (any case of the scheme) or x-api-key', () => {
    expect(presentedKey({ authorization: `Bearer ${key}` })).toBe(key);
    expect(presentedKey({ authorization: `bearer   ${key}  ` })).toBe(key);
    expect(presentedKey({ 'x-api-key': key })).toBe(key);
    expect(presentedKey({ 'x-api-key': ` ${key}` })).toBe(key);
  });

  it('reads Fetch Headers too', () => {
    expect(presentedKey(new Headers({ Authorization: `Bearer ${key}` }))).toBe(key);
    expect(presentedKey(new Headers({ 'X-Api-Key': key }))).toBe(key);
    expect(presentedKey(new Headers())).toBeUndefined();
  });

  it('is undefined when no key is sent', () => {
    expect(presentedKey({})).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer', 'x-api-key': '' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer    ' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': [] })).toBeUndefined();
  });

  it('accepts the same key in both headers, refuses two different ones', () => {
    expect(presentedKey({ authorization: `Bearer ${key}`, 'x-api-key': key })).toBe(key);
    expect(() => presentedKey({ authorization: `Bearer ${key}`, 'x-api-key': other })).toThrow(
      expect.objectContaining({ code: 'unauthenticated', message: expect.stringMatching(/different keys/) }),
    );
    expect(() => presentedKey({ 'x-api-key': [key, other] })).toThrow(/repeated/);
    expect(presentedKey({ 'x-api-key': [key, key] })).toBe(key);
  });

  it('refuses another Authorization scheme unless x-api-key holds the key', () => {
    expect(() => presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toThrow(expect.objectContaining({ code: 'unauthenticated', message: expect.stringMatching(/Bearer scheme/) }));
    expect(() => presentedKey({ authorization: `Bearer${key}` })).toThrow(/Bearer scheme/);
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': key })).toBe(key);
  });

  it('never quotes header values in its errors', () => {
    for (const headers of [{ authorization: `Token ${key}` }, { authorization: `Bearer ${key}`, 'x-api-key': other }, { 'x-api-key': [key, other] }]) {
      let message = '';
      try {
        presentedKey(headers);
      } catch (error) {
        message = String(error);
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('kkkk');
      expect(message).not.toContain('mmmm');
    }
  });

  it('handles a long run of spaces quickly', () => {
    expect(() => presentedKey({ authorization: `Bearer${' '.repeat(100_000)}x\ny` })).not.toThrow();
  });
});
