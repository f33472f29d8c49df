import { describe, expect, it } from 'vitest';
import { MaskVault } from './mask-vault.js';

describe('MaskVault', () => {
  it('numbers placeholders per label and gives one value one placeholder', () => {
    const vault = new MaskVault();
    expect(vault.placeholder('EMAIL', 'a@example.com')).toBe('<EMAIL_1>');
    expect(vault.placeholder('EMAIL', 'b@example.com')).toBe('<EMAIL_2>');
    expect(vault.placeholder('EMAIL', 'a@example.com')).toBe('<EMAIL_1>');
    expect(vault.placeholder('PHONE', '+44 20 7946 0958')).toBe('<PHONE_1>');
    expect(vault.size).toBe(3);
  });

  it('restores its own placeholders, including labels with digits, and leaves others alone', () => {
    const vault = new MaskVault();
    vault.placeholder('EMAIL', 'a@example.com');
    vault.placeholder('2FA_CODE', '123456');
    expect(vault.unmask('to <EMAIL_1>, code <2FA_CODE_1>, not <EMAIL_2> or <email_1>')).toBe('to a@example.com, code 123456, not <EMAIL_2> or <email_1>');
  });

  it('serialises to a count only', () => {
    const vault = new MaskVault();
    vault.placeholder('EMAIL', 'a@example.com');
    expect(JSON.stringify({ vault })).toBe('{"vault":{"placeholders":1}}');
  });

  it('gives a successor placeholders this vault never issued, so unmasking with it leaves them masked', () => {
    const input = new MaskVault();
    input.placeholder('EMAIL', 'user@example.com');
    const output = input.successor();
    expect(output.size).toBe(0);
    expect(output.placeholder('EMAIL', 'other@example.org')).toBe('<EMAIL_2>');
    expect(output.placeholder('PHONE', '+44 20 7946 0958')).toBe('<PHONE_1>');
    expect(input.unmask('<EMAIL_1> and <EMAIL_2>')).toBe('user@example.com and <EMAIL_2>');
  });
});
