import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../audit/canonical-json.js';
import { PalisadeError } from '../core/errors.js';

/**
 * Tool pinning, the defence against a "rug pull" (a server that changes what a tool says it
 * does after it was trusted): the first time a tool is seen, the sha256 of its canonical
 * `{ description, inputSchema }` is stored (trust on first use); later, a definition with
 * another hash is a change, held for an operator to accept (`palisade mcp pins accept`).
 *
 * The file is JSON for people to read and review: each pin keeps the definition it hashes, and
 * a change keeps the definition presented, so the two can be compared before accepting. Every
 * update re-reads the file first (the CLI may have accepted a change meanwhile) and replaces it
 * atomically (a temporary file renamed over it), so a crash never leaves half a file.
 */

export interface ToolDefinition {
  description?: string;
  inputSchema: Record<string, unknown>;
}

const definitionSchema = { sha256: z.string().regex(/^[0-9a-f]{64}$/), description: z.string().optional(), input_schema: z.unknown() };

const pinSchema = z
  .object({
    server: z.string(),
    tool: z.string(),
    ...definitionSchema,
    pinned_at: z.string(),
    /** A definition the server presented that differs from the pinned one. */
    changed: z.object({ ...definitionSchema, seen_at: z.string() }).strict().optional(),
  })
  .strict();

const pinsFileSchema = z.object({ version: z.literal(1), tools: z.record(z.string(), pinSchema) }).strict();

export type ToolPin = z.output<typeof pinSchema>;
export type PinsDocument = z.output<typeof pinsFileSchema>;

/** What the pins say about a tool a server presents now. */
export type PinCheck =
  | { state: 'new'; sha256: string }
  | { state: 'pinned'; sha256: string }
  | { state: 'changed'; sha256: string; pinned: string; description?: string };

/** sha256 (hex) of the canonical JSON of `{ description, inputSchema }`. */
export function toolDefinitionHash(definition: ToolDefinition): string {
  return createHash('sha256').update(canonicalJson({ description: definition.description, inputSchema: definition.inputSchema }), 'utf8').digest('hex');
}

export async function readPins(file: string): Promise<PinsDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tools: {} };
    throw new PalisadeError('invalid_config', `cannot read the MCP pins file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Starting afresh would trust every tool again: exactly what pinning is for preventing.
    throw new PalisadeError('invalid_config', `the MCP pins file ${file} is not valid JSON; repair or remove it (removing it trusts every tool again)`);
  }
  const result = pinsFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PalisadeError('invalid_config', `the MCP pins file ${file} is not a pins file (${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(top)'}: ${issue.message}`})`);
  }
  return result.data;
}

export async function writePins(file: string, document: PinsDocument): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o644 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export interface PinStore {
  readonly file: string;
  /**
   * Checks a server's tools against the pins: new tools are pinned, changes recorded (the pin
   * itself is never replaced here), a stale change record dropped when the server is back to
   * the pinned definition. One file write for the lot, and only when something changed.
   */
  check(options: { server: string; tools: ReadonlyMap<string, { tool: string; definition: ToolDefinition }>; now: Date }): Promise<Map<string, PinCheck>>;
  /** The pinned hash of an exposed name as the file says now (the CLI may have accepted a change). */
  pinned(name: string): Promise<string | undefined>;
}

export function createPinStore(options: { file: string }): PinStore {
  const { file } = options;
  // Updates from this process run one at a time; another process (the CLI) is why each re-reads.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run);
    queue = next.catch(() => {});
    return next;
  };

  return {
    file,
    check: ({ server, tools, now }) =>
      serially(async () => {
        const document = await readPins(file);
        const results = new Map<string, PinCheck>();
        let dirty = false;
        for (const [name, { tool, definition }] of tools) {
          const sha256 = toolDefinitionHash(definition);
          const stored = document.tools[name];
          const kept = { sha256, ...(definition.description === undefined ? {} : { description: definition.description }), input_schema: definition.inputSchema };
          if (stored === undefined) {
            document.tools[name] = { server, tool, ...kept, pinned_at: now.toISOString() };
            results.set(name, { state: 'new', sha256 });
            dirty = true;
          } else if (stored.sha256 === sha256) {
            if (stored.changed !== undefined) {
              delete stored.changed;
              dirty = true;
            }
            results.set(name, { state: 'pinned', sha256 });
          } else {
            if (stored.changed?.sha256 !== sha256) {
              stored.changed = { ...kept, seen_at: now.toISOString() };
              dirty = true;
            }
            results.set(name, { state: 'changed', sha256, pinned: stored.sha256, ...(definition.description === undefined ? {} : { description: definition.description }) });
          }
        }
        if (dirty) await writePins(file, document);
        return results;
      }),
    pinned: async (name) => (await readPins(file)).tools[name]?.sha256,
  };
}

/**
 * Accepts a changed tool: its presented definition becomes the pin. Refuses a name with no pin
 * or no pending change, so an operator never accepts something they did not see listed.
 */
export async function acceptPin(options: { file: string; name: string; now: Date }): Promise<{ pin: ToolPin; previous: string }> {
  const document = await readPins(options.file);
  const stored = document.tools[options.name];
  if (stored === undefined) throw new PalisadeError('not_found', `no pinned MCP tool is named ${options.name} (see \`palisade mcp pins\`)`);
  if (stored.changed === undefined) throw new PalisadeError('invalid_argument', `${options.name} has not changed since it was pinned; there is nothing to accept`);
  const { changed } = stored;
  const pin: ToolPin = {
    server: stored.server,
    tool: stored.tool,
    sha256: changed.sha256,
    ...(changed.description === undefined ? {} : { description: changed.description }),
    input_schema: changed.input_schema,
    pinned_at: options.now.toISOString(),
  };
  document.tools[options.name] = pin;
  await writePins(options.file, document);
  return { pin, previous: stored.sha256 };
}
