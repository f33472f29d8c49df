import type { Readable, Writable } from 'node:stream';
import { isDelivered } from '../core/action.js';
import { isPalisadeError, PalisadeError } from '../core/errors.js';
import type { Stage } from '../core/finding.js';
import type { GuardEngine } from '../pipeline/guard-engine.js';
import type { PolicyScope } from '../policy/policy.js';
import { exitCodes } from './exit-codes.js';
import { formatDecision, toScanLine } from './format-decision.js';
import { decodeUtf8, readLines, readWhole } from './read-input.js';

export interface ScanOptions extends PolicyScope {
  json?: boolean;
  jsonl?: string;
  stage: Stage;
}

export interface CliStreams {
  stdin: Readable;
  stdout: Writable;
}

const maxLineBytes = 64 * 1024 * 1024;

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(text, (error) => (error ? reject(error) : undefined))) resolve();
    else stream.once('drain', resolve);
  });
}

/** `palisade scan TEXT | -`: one decision, as text or JSON; exit 0 when delivered, 3 when not. */
export async function scanText(options: { text: string; engine: GuardEngine; scan: ScanOptions; streams: CliStreams }): Promise<number> {
  const text = options.text === '-' ? await readWhole('-', options.streams.stdin) : options.text;
  const decision = await options.engine.check({ text }, { ...options.scan });
  await write(options.streams.stdout, options.scan.json === true ? `${JSON.stringify(decision, null, 2)}\n` : `${formatDecision(decision)}\n`);
  return isDelivered(decision.action) ? exitCodes.ok : exitCodes.blocked;
}

function parseLine(bytes: Buffer, number: number): { text: string } | { error: string } {
  let line: string;
  try {
    line = decodeUtf8(bytes, `line ${number}`);
  } catch {
    return { error: `line ${number}: not valid UTF-8` };
  }
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (line.trim() === '') return { error: `line ${number}: empty line` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    // The parser's message quotes the line; report only where it failed, never the content.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    return { error: `line ${number}: invalid JSON${position === undefined ? '' : ` at position ${position}`}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `line ${number}: expected a JSON object` };
  const text = (value as { text?: unknown }).text;
  if (typeof text !== 'string') return { error: `line ${number}: "text" must be a string, got ${text === undefined ? 'nothing' : text === null ? 'null' : typeof text}` };
  return { text };
}

/**
 * `palisade scan --jsonl FILE|-`: one output line per input line, in order. A bad line yields
 * `{"error": …}` in its place and the run goes on. Exits 0 when every line was processed.
 */
export async function scanJsonLines(options: { path: string; engine: GuardEngine; scan: ScanOptions; streams: CliStreams }): Promise<number> {
  const { stdout } = options.streams;
  for await (const raw of readLines({ path: options.path, stdin: options.streams.stdin, maxLineBytes })) {
    let output: unknown;
    if ('tooLong' in raw) output = { error: `line ${raw.number}: longer than ${maxLineBytes / 1024 / 1024} MiB` };
    else {
      const parsed = parseLine(raw.bytes, raw.number);
      if ('error' in parsed) output = parsed;
      else {
        try {
          output = toScanLine(await options.engine.check({ text: parsed.text }, { ...options.scan }));
        } catch (error) {
          if (!isPalisadeError(error)) throw error;
          output = { error: `line ${raw.number}: ${error.message}` };
        }
      }
    }
    await write(stdout, `${JSON.stringify(output)}\n`);
  }
  return exitCodes.ok;
}

export function checkScanArguments(text: string | undefined, options: ScanOptions): void {
  if (text !== undefined && options.jsonl !== undefined) throw new PalisadeError('invalid_argument', 'give either TEXT (or -) or --jsonl, not both');
  if (text === undefined && options.jsonl === undefined) throw new PalisadeError('invalid_argument', 'nothing to scan: give TEXT, - for standard input, or --jsonl FILE');
  if (options.jsonl !== undefined && options.json === true) throw new PalisadeError('invalid_argument', '--json and --jsonl cannot be combined (--jsonl output is already JSON)');
}
