import type { Span } from '../../core/finding.js';
import type { TextView } from '../../text/text-view.js';

const minChunk = 24;
const maxChunk = 480;

function isBoundary(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  if (code === 10 || code === 13 || code === 124) return true; // newline, table cell
  // Sentence end: . ! ? followed by a space.
  return (code === 46 || code === 33 || code === 63 || code === 0x3002) && (at + 1 >= text.length || text.charCodeAt(at + 1) === 32 || code === 0x3002);
}

/**
 * Splits a document into sentence- or line-sized chunks (clean-view offsets), merging very short
 * pieces and cutting very long ones at a space. An instruction slipped into an e-mail or a table
 * is then scored on its own instead of being diluted by the whole document.
 */
export function textChunks(clean: TextView): Span[] {
  const text = clean.text;
  const pieces: Span[] = [];
  let start = 0;
  for (let at = 0; at < text.length; at++) {
    if (isBoundary(text, at)) {
      if (at + 1 > start) pieces.push({ start, end: at + 1 });
      start = at + 1;
    }
  }
  if (start < text.length) pieces.push({ start, end: text.length });
  const chunks: Span[] = [];
  for (const piece of pieces) {
    const last = chunks[chunks.length - 1];
    const trimmed = text.slice(piece.start, piece.end).trim().length;
    if (last !== undefined && (trimmed < minChunk || last.end - last.start < minChunk) && piece.end - last.start <= maxChunk) last.end = piece.end;
    else chunks.push({ ...piece });
  }
  const result: Span[] = [];
  for (const chunk of chunks) {
    let from = chunk.start;
    while (chunk.end - from > maxChunk) {
      // Search back for a space within this chunk only: text with no spaces must stay linear.
      let cut = from + maxChunk;
      while (cut > from + minChunk && text.charCodeAt(cut) !== 32) cut--;
      if (cut <= from + minChunk) cut = from + maxChunk;
      result.push({ start: from, end: cut });
      from = cut;
    }
    if (text.slice(from, chunk.end).trim() !== '') result.push({ start: from, end: chunk.end });
  }
  return result;
}
