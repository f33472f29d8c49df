import { mkdirSync, writeFileSync } from 'node:fs';
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
