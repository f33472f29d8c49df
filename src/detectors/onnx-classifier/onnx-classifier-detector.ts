import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { severities, sourceRoles, type DetectorHit, type Evidence, type SourceRole } from '../../core/finding.js';
import { riskScore } from '../classifiers/risk-score.js';
import { defineDetector } from '../define-detector.js';

/**
 * An optional heavier back-end: a sequence-classification model the user supplies in ONNX form
 * (for example Meta's Prompt Guard exported with its `tokenizer.json`), run on the CPU with
 * onnxruntime-node and tokenised with @huggingface/tokenizers. Both packages are optional peer
 * dependencies: install them to use this detector. Nothing is downloaded: the model directory
 * is local.
 */

const require = createRequire(import.meta.url);

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

interface Tokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; attention_mask: number[] };
}

interface OrtTensor {
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}

interface OrtModule {
  InferenceSession: { create(path: string, options: object): Promise<OrtSession> };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
}

function readJson(path: string, context: z.RefinementCtx, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    context.addIssue({ code: 'custom', message: `cannot read ${what} ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
    return undefined;
  }
}

const configSchema = z
  .object({
    /** Directory holding the model and its `tokenizer.json` (and optionally `tokenizer_config.json`, `config.json`). */
    model_dir: z.string().min(1),
    model_file: z.string().min(1).default('model.onnx'),
    /** Labels (names from config.json's id2label, or indices) whose probabilities add up to the score. */
    positive_labels: z.array(z.union([z.string().min(1), z.number().int().min(0)])).min(1),
    category: z.string().regex(/^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/).default('prompt_injection.onnx'),
    severity: z.enum(severities).default('high'),
    /** Probabilities mapped to risk 0.5 and 0.8, as for the bundled classifiers; set them from your own validation. */
    threshold: z.number().gt(0).lt(1).default(0.5),
    strict_threshold: z.number().gt(0).lt(1).default(0.9),
    /** Tokens per window; longer texts are scored in several windows and the worst counts. */
    max_tokens: z.number().int().min(8).max(8192).default(512),
    max_windows: z.number().int().min(1).max(64).default(4),
    min_score: z.number().min(0).max(1).default(0.3),
    sources: z.array(z.enum(sourceRoles)).min(1).default(['user']),
    threads: z.number().int().min(1).max(64).default(1),
  })
  .strict()
  .transform((config, context) => {
    for (const name of ['onnxruntime-node', '@huggingface/tokenizers']) {
      if (!installed(name)) context.addIssue({ code: 'custom', message: `onnx_classifier needs the optional package ${name}: npm install onnxruntime-node @huggingface/tokenizers` });
    }
    const directory = resolve(config.model_dir);
    const modelPath = join(directory, config.model_file);
    if (!existsSync(modelPath)) context.addIssue({ code: 'custom', path: ['model_dir'], message: `no model at ${modelPath}` });
    const tokenizerJson = readJson(join(directory, 'tokenizer.json'), context, 'tokenizer');
    const tokenizerConfigPath = join(directory, 'tokenizer_config.json');
    const tokenizerConfig = existsSync(tokenizerConfigPath) ? readJson(tokenizerConfigPath, context, 'tokenizer config') : {};
    const modelConfigPath = join(directory, 'config.json');
    const id2label = existsSync(modelConfigPath) ? ((readJson(modelConfigPath, context, 'model config') as { id2label?: Record<string, string> } | undefined)?.id2label ?? {}) : {};
    const positive = new Set<number>();
    for (const label of config.positive_labels) {
      if (typeof label === 'number') positive.add(label);
      else {
        const index = Object.entries(id2label).find(([, name]) => name === label)?.[0];
        if (index === undefined) context.addIssue({ code: 'custom', path: ['positive_labels'], message: `label "${label}" is not in ${modelConfigPath}'s id2label` });
        else positive.add(Number(index));
      }
    }
    if (config.strict_threshold < config.threshold) context.addIssue({ code: 'custom', path: ['strict_threshold'], message: 'strict_threshold must not be below threshold' });
    if (context.issues.length > 0) return z.NEVER;
    let runtime: Promise<{ session: OrtSession; tokenizer: Tokenizer; ort: OrtModule }> | undefined;
    // The session is created on first use; creation failures then surface as detector failures.
    const load = () =>
      (runtime ??= (async () => {
        const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
        const { Tokenizer } = (await import('@huggingface/tokenizers')) as unknown as { Tokenizer: new (json: unknown, config: unknown) => Tokenizer };
        const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: config.threads, interOpNumThreads: 1 });
        return { session, tokenizer: new Tokenizer(tokenizerJson, tokenizerConfig), ort };
      })());
    return { ...config, positive, sources: new Set<SourceRole>(config.sources), load };
  });

type OnnxConfig = z.output<typeof configSchema>;

function softmaxPositive(logits: Float32Array, offset: number, labels: number, positive: ReadonlySet<number>): number {
  let top = -Infinity;
  for (let k = 0; k < labels; k++) top = Math.max(top, logits[offset + k] as number);
  let total = 0;
  let wanted = 0;
  for (let k = 0; k < labels; k++) {
    const value = Math.exp((logits[offset + k] as number) - top);
    total += value;
    if (positive.has(k)) wanted += value;
  }
  return wanted / total;
}

/**
 * Token windows for a text: each wrapped in the model's own special tokens (found by encoding an
 * empty string: [CLS] … [SEP] for BERT-like models), as the model saw them in training. A text
 * needing more than `max_windows` is scored on its first windows and its last one.
 */
function windowsOf(tokenizer: Tokenizer, text: string, config: OnnxConfig): { windows: number[][]; truncated: boolean } {
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  if (ids.length === 0) return { windows: [], truncated: false };
  const specials = tokenizer.encode('', { add_special_tokens: true }).ids;
  const prefix = specials.slice(0, 1);
  const suffix = specials.slice(1);
  const size = Math.max(1, config.max_tokens - specials.length);
  const all: number[][] = [];
  for (let start = 0; start < ids.length; start += size) all.push([...prefix, ...ids.slice(start, start + size), ...suffix]);
  if (all.length <= config.max_windows) return { windows: all, truncated: false };
  return { windows: [...all.slice(0, config.max_windows - 1), all[all.length - 1] as number[]], truncated: true };
}

/** The text's probability of a positive label: the worst of its windows. */
async function probability(text: string, config: OnnxConfig): Promise<{ value: number; truncated: boolean }> {
  const { session, tokenizer, ort } = await config.load();
  const { windows: tokenWindows, truncated } = windowsOf(tokenizer, text, config);
  if (tokenWindows.length === 0) return { value: 0, truncated };
  const windows = tokenWindows.map((ids) => ({ ids, mask: ids.map(() => 1) }));
  const length = Math.max(...windows.map((window) => window.ids.length));
  const tensor = (pick: (window: { ids: number[]; mask: number[] }, index: number) => number) => {
    const data = new BigInt64Array(windows.length * length);
    windows.forEach((window, row) => {
      for (let index = 0; index < window.ids.length; index++) data[row * length + index] = BigInt(pick(window, index));
    });
    return new ort.Tensor('int64', data, [windows.length, length]);
  };
  const feeds: Record<string, unknown> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = tensor((window, index) => window.ids[index] as number);
    else if (name === 'attention_mask') feeds[name] = tensor((window, index) => window.mask[index] as number);
    else if (name === 'token_type_ids') feeds[name] = tensor(() => 0);
    else throw new PalisadeError('invalid_config', `the ONNX model asks for an input "${name}" Palisade does not know how to fill`);
  }
  const outputs = await session.run(feeds);
  const logits = outputs[session.outputNames.includes('logits') ? 'logits' : (session.outputNames[0] as string)] as OrtTensor;
  const labels = logits.dims[logits.dims.length - 1] as number;
  const beyond = [...config.positive].filter((index) => index >= labels);
  if (beyond.length > 0) throw new PalisadeError('invalid_config', `positive label ${beyond.join(', ')} does not exist: the model has ${labels} labels`);
  let worst = 0;
  for (let row = 0; row < windows.length; row++) worst = Math.max(worst, softmaxPositive(logits.data as Float32Array, row * labels, labels, config.positive));
  return { value: worst, truncated };
}

export const onnxClassifierDetector = defineDetector({
  id: 'onnx_classifier',
  description: 'A user-supplied ONNX sequence classifier (e.g. Prompt Guard) with its tokenizer.json, run locally on the CPU; optional, needs onnxruntime-node and @huggingface/tokenizers.',
  stages: ['input', 'output'],
  configSchema,
  async run(input, config) {
    if (!config.sources.has(input.source)) return [];
    const hits: DetectorHit[] = [];
    for (const scored of input.text.withDecoded()) {
      const clean = scored.text.clean.text;
      if (clean.trim() === '') continue;
      const { value, truncated } = await probability(clean, config);
      const score = riskScore(value, { threshold: config.threshold, strictThreshold: config.strict_threshold });
      if (score < config.min_score) continue;
      const evidence: Evidence = truncated
        ? { model: config.model_file, probability: Math.round(value * 1000) / 1000, truncated }
        : { model: config.model_file, probability: Math.round(value * 1000) / 1000 };
      const hit: DetectorHit = {
        category: config.category,
        score,
        severity: config.severity,
        spans: [scored.cover ?? { start: 0, end: scored.text.original.length }],
        evidence,
      };
      if (scored.encoding !== undefined) hit.encoding = scored.encoding;
      hits.push(hit);
    }
    return hits;
  },
});
