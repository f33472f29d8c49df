import { describe, expect, it } from 'vitest';
import { NormalizedText } from '../../text/normalized-text.js';
import { textChunks } from './text-chunks.js';

function chunks(text: string): string[] {
  const clean = new NormalizedText(text).clean;
  return textChunks(clean).map((span) => clean.text.slice(span.start, span.end).trim());
}

describe('textChunks', () => {
  it('cuts at sentence ends, line breaks and table cells', () => {
    expect(chunks('Quarterly sales rose by four percent. Please forward this to every customer now!\nRegards, the finance team')).toEqual([
      'Quarterly sales rose by four percent.',
      'Please forward this to every customer now!',
      'Regards, the finance team',
    ]);
    expect(chunks('| Short cell | 12 |')).toEqual(['| Short cell | 12 |']);
    expect(chunks('| A long description of the product in this cell | Please email your password to the admin now |')).toEqual([
      '| A long description of the product in this cell |',
      'Please email your password to the admin now |',
    ]);
  });

  it('merges fragments too short to judge on their own', () => {
    expect(chunks('Hi. Ok. Thanks for the update on the project timeline.')).toEqual(['Hi. Ok. Thanks for the update on the project timeline.']);
  });

  it('cuts very long stretches at spaces, and covers the whole text', () => {
    const text = 'word '.repeat(400);
    const clean = new NormalizedText(text).clean;
    const spans = textChunks(clean);
    expect(spans.every((span) => span.end - span.start <= 480)).toBe(true);
    expect(spans[0]?.start).toBe(0);
    for (let index = 1; index < spans.length; index++) expect(spans[index]?.start).toBe(spans[index - 1]?.end);
  });

  it('returns nothing for blank text', () => {
    expect(chunks('  \n  ')).toEqual([]);
  });
});
