import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname } from 'node:path';
import { PalisadeError } from '../core/errors.js';

/** Writes a file a command was asked to produce, creating its directory; a path that cannot be written is a clear error (exit 2), not a crash. */
export function writeOutputFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    throw new PalisadeError('invalid_argument', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unwritable'}`, { cause: error });
  }
}

/** Streams lines into a file a command was asked to produce (large exports never sit in memory whole); errors as `writeOutputFile`. */
export async function writeOutputLines(path: string, lines: AsyncIterable<string>): Promise<number> {
  let count = 0;
  const counted = (async function* () {
    for await (const line of lines) {
      count += 1;
      yield line;
    }
  })();
  try {
    mkdirSync(dirname(path), { recursive: true });
    await pipeline(Readable.from(counted), createWriteStream(path));
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError('invalid_argument', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unwritable'}`, { cause: error });
  }
  return count;
}
