import { describe, expect, it } from 'vitest';
import { dominantScript } from './dominant-script.js';

describe('dominantScript', () => {
  it('names the script most letters are written in', () => {
    expect(dominantScript('Please summarise this article.')).toBe('Latin');
    expect(dominantScript('Объясни, что делает этот код.')).toBe('Cyrillic');
    expect(dominantScript('समझाइए कि यह कोड क्या करता है।')).toBe('Devanagari');
    expect(dominantScript('请用三句话总结这篇文章。')).toBe('Han');
    expect(dominantScript('この記事を三文で要約してください。')).toBe('Kana');
    expect(dominantScript('이 기사를 세 문장으로 요약해 주세요.')).toBe('Hangul');
    expect(dominantScript('لخص هذه المقالة في ثلاث جمل.')).toBe('Arabic');
  });

  it('ignores digits and punctuation, and gives no answer without a majority or without letters', () => {
    expect(dominantScript('Python 3.12 — 请帮我')).toBe('Latin');
    expect(dominantScript('abc абв αβγ')).toBeUndefined();
    expect(dominantScript('123 !!! ???')).toBeUndefined();
  });
});
