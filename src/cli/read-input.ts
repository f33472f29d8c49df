import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';

function usage(message: string): PalisadeError {
  return new PalisadeError('invalid_argument', message);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Input read whole (a single text) is capped so a runaway pipe cannot exhaust memory. */
export const maxWholeInputBytes = 256 * 1024 * 1024;

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw usage(`${what} is not valid UTF-8`);
  }
}

function openSource(path: string, stdin: Readable): Readable {
  if (path === '-') return stdin;
  const stream = createReadStream(path);
  return stream;
}

function describeOpenError(path: string, error: unknown): PalisadeError {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (code === 'ENOENT') return usage(`cannot read ${path}: no such file`);
  if (code === 'EISDIR') return usage(`cannot read ${path}: it is a directory`);
  return usage(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
}

/** Reads all of stdin (or a file) as UTF-8 text. */
export async function readWhole(path: string, stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of openSource(path, stdin)) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size > maxWholeInputBytes) throw usage(`input is larger than ${maxWholeInputBytes / 1024 / 1024} MiB; use --jsonl for many texts`);
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw describeOpenError(path === '-' ? 'standard input' : path, error);
  }
  return decodeUtf8(Buffer.concat(chunks), path === '-' ? 'standard input' : path);
}

/** One raw line of a JSON Lines input, or the reason it could not be read. */
export type RawLine = { number: number; bytes: Buffer } | { number: number; tooLong: true };

/**
 * Splits a byte stream into lines without decoding it first, so one line of invalid UTF-8 is
 * reported on its own and the rest still run. Lines longer than `maxLineBytes` are reported,
 * not buffered. A final line without a newline still counts; the empty tail after one does not.
 */
export async function* readLines(options: { path: string; stdin: Readable; maxLineBytes: number }): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let overflow = false;
  let number = 0;
  const emit = (tail: Buffer): RawLine => {
    number++;
    const line: RawLine = overflow ? { number, tooLong: true } : { number, bytes: Buffer.concat([...pending, tail]) };
    pending = [];
    pendingSize = 0;
    overflow = false;
    return line;
  };
  let source: Readable;
  try {
    source = openSource(options.path, options.stdin);
  } catch (error) {
    throw describeOpenError(options.path, error);
  }
  try {
    for await (const chunk of source) {
      let buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      let newline = buffer.indexOf(10);
      while (newline !== -1) {
        const head = buffer.subarray(0, newline);
        if (!overflow && pendingSize + head.length > options.maxLineBytes) overflow = true;
        yield emit(overflow ? Buffer.alloc(0) : head);
        buffer = buffer.subarray(newline + 1);
        newline = buffer.indexOf(10);
      }
      if (buffer.length > 0 && !overflow) {
        pendingSize += buffer.length;
        if (pendingSize > options.maxLineBytes) {
          overflow = true;
          pending = [];
        } else pending.push(Buffer.from(buffer));
      }
    }
  } catch (error) {
    throw describeOpenError(options.path === '-' ? 'standard input' : options.path, error);
  }
  if (pendingSize > 0 || overflow) yield emit(Buffer.alloc(0));
}
