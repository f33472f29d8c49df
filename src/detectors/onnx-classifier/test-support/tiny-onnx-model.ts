import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds, from nothing, a tiny ONNX sequence classifier and its tokenizer: enough to run the
 * ONNX back-end end to end in tests without downloading a model. The graph is
 *   logits = ReduceMean(Gather(embedding, input_ids), axis 1)
 * where the embedding sends "attack" words towards label 1 and every other word towards label 0.
 * The protobuf is written by hand (a few field types suffice) following onnx.proto.
 */

function varint(value: number | bigint): number[] {
  let remaining = BigInt(value);
  const bytes: number[] = [];
  do {
    let byte = Number(remaining & 0x7fn);
    remaining >>= 7n;
    if (remaining > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (remaining > 0n);
  return bytes;
}

type Field = number[];
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const int = (field: number, value: number | bigint): Field => [...key(field, 0), ...varint(value)];
const bytes = (field: number, value: Uint8Array | number[]): Field => [...key(field, 2), ...varint(value.length), ...value];
const text = (field: number, value: string): Field => bytes(field, [...Buffer.from(value, 'utf8')]);
const message = (field: number, ...parts: Field[]): Field => bytes(field, parts.flat());

const int64Type = 7;
const floatType = 1;

function tensorType(field: number, elementType: number, dims: (number | string)[]): Field {
  const shape = dims.map((dim) => message(1, typeof dim === 'number' ? int(1, dim) : text(2, dim)));
  return message(field, message(1, int(1, elementType), message(2, ...shape)));
}

function valueInfo(field: number, name: string, elementType: number, dims: (number | string)[]): Field {
  return message(field, text(1, name), tensorType(2, elementType, dims));
}

export const attackWords = ['ignore', 'previous', 'instructions', 'reveal', 'password', 'system', 'prompt'];
const safeWords = ['hello', 'weather', 'today', 'what', 'is', 'the', 'recipe', 'for', 'soup', 'please', 'thanks', 'and', 'your', 'all', 'me'];

export function tinyVocabulary(): Record<string, number> {
  const vocabulary: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  for (const word of [...attackWords, ...safeWords]) vocabulary[word] = Object.keys(vocabulary).length;
  return vocabulary;
}

export function tinyModelBytes(): Uint8Array {
  const vocabulary = tinyVocabulary();
  const size = Object.keys(vocabulary).length;
  const embedding = new Float32Array(size * 2);
  for (const [word, id] of Object.entries(vocabulary)) {
    const attack = attackWords.includes(word);
    embedding[id * 2] = attack ? -2 : word === '[PAD]' ? 0 : 1;
    embedding[id * 2 + 1] = attack ? 3 : word === '[PAD]' ? 0 : -1;
  }
  const initializer = message(5, int(1, size), int(1, 2), int(2, floatType), text(8, 'embedding'), bytes(9, new Uint8Array(embedding.buffer)));
  const gather = message(1, text(1, 'embedding'), text(1, 'input_ids'), text(2, 'embedded'), text(3, 'gather'), text(4, 'Gather'), message(5, text(1, 'axis'), int(3, 0), int(20, 2)));
  const mean = message(1, text(1, 'embedded'), text(2, 'logits'), text(3, 'mean'), text(4, 'ReduceMean'), message(5, text(1, 'axes'), int(8, 1), int(20, 7)), message(5, text(1, 'keepdims'), int(3, 0), int(20, 2)));
  const graph = message(7, gather, mean, text(2, 'tiny-classifier'), initializer, valueInfo(11, 'input_ids', int64Type, ['batch', 'sequence']), valueInfo(12, 'logits', floatType, ['batch', 2]));
  return Uint8Array.from([...int(1, 7), ...text(2, 'palisade-tests'), ...graph, ...message(8, text(1, ''), int(2, 13))]);
}

export function tinyTokenizer(): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: tinyVocabulary() },
  };
}

/** Writes model.onnx, tokenizer.json and config.json (id2label) into `directory`. */
export function writeTinyModel(directory: string): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'model.onnx'), tinyModelBytes());
  writeFileSync(join(directory, 'tokenizer.json'), JSON.stringify(tinyTokenizer()));
  writeFileSync(join(directory, 'config.json'), JSON.stringify({ id2label: { 0: 'SAFE', 1: 'INJECTION' } }));
}
