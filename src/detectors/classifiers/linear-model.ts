import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { featureSpace, type SparseVector } from './hashed-features.js';

const magic = 'PLSDMDL1';

/** What a model file says about itself; the card next to it (`models/<task>.md`) explains it for people. */
const headerSchema = z
  .object({
    format: z.literal(1),
    task: z.string().min(1),
    /** The feature space it was trained on; it must be the one this code computes. */
    space: z.object({ name: z.string().min(1), bits: z.number().int().min(1).max(30) }).strict(),
    /** One class for a binary model (logistic); several for a category model (softmax). */
    classes: z.array(z.string().min(1)).min(1).max(64),
    /** Each class's weight table has 2^classBits entries; feature indices are folded into it by masking. */
    classBits: z.number().int().min(1).max(30),
    bias: z.array(z.number().finite()),
    /** int8 weight × scale = weight. */
    scale: z.array(z.number().finite().positive()),
    /** Binary models: Platt scaling of the raw score into a calibrated probability. */
    calibration: z.object({ a: z.number().finite(), b: z.number().finite() }).strict().optional(),
    /** Binary models: the calibrated probability with at most 1 % false positives on held-out benign text (risk score 0.5). */
    threshold: z.number().gt(0).lt(1).optional(),
    /** Binary models: the probability with at most 0.1 % false positives (risk score 0.8). */
    strictThreshold: z.number().gt(0).lte(1).optional(),
    /** Score text in chunks (sentences, lines) and report the most suspicious one. */
    chunked: z.boolean().optional(),
    /**
     * Scripts in which the training data held attacks but too little benign text to judge: a text
     * mostly written in one of them is never blocked on this model's word alone (its risk stays
     * under 0.8), though it can still warn.
     */
    unreliableScripts: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .superRefine((header, context) => {
    if (header.bias.length !== header.classes.length || header.scale.length !== header.classes.length) context.addIssue({ code: 'custom', message: 'bias and scale need one entry per class' });
    if (header.classBits > header.space.bits) context.addIssue({ code: 'custom', message: 'classBits larger than the feature space' });
    if (header.threshold !== undefined && header.strictThreshold !== undefined && header.strictThreshold < header.threshold) context.addIssue({ code: 'custom', message: 'strictThreshold below threshold' });
  });

export type ModelHeader = z.output<typeof headerSchema>;

function invalid(message: string): never {
  throw new PalisadeError('invalid_config', `model file: ${message}`);
}

/**
 * A linear classifier over the hashed feature space, with int8 weights. Binary models give a
 * calibrated probability; category models a probability per class.
 */
export class LinearModel {
  readonly header: ModelHeader;
  readonly #weights: Int8Array[];
  readonly #mask: number;
  #interleaved: Int8Array | undefined;

  constructor(header: unknown, weights: Int8Array[]) {
    const parsed = headerSchema.safeParse(header);
    if (!parsed.success) invalid(`bad header: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'header'}: ${issue.message}`).join('; ')}`);
    const valid = parsed.data;
    if (weights.length !== valid.classes.length || weights.some((table) => table.length !== 1 << valid.classBits)) invalid('weight tables do not match the header');
    this.header = valid;
    this.#weights = weights;
    this.#mask = (1 << valid.classBits) - 1;
  }

  /** Raw linear score of each class. */
  logits(vector: SparseVector): number[] {
    const classes = this.#weights.length;
    if (classes === 1) {
      const table = this.#weights[0] as Int8Array;
      let sum = 0;
      for (let at = 0; at < vector.indices.length; at++) sum += (table[(vector.indices[at] as number) & this.#mask] as number) * (vector.values[at] as number);
      return [(this.header.bias[0] as number) + sum * (this.header.scale[0] as number)];
    }
    // Several classes: one pass over the features, reading each feature's classes side by side.
    const interleaved = (this.#interleaved ??= this.#interleave());
    const sums = new Float64Array(classes);
    for (let at = 0; at < vector.indices.length; at++) {
      const base = ((vector.indices[at] as number) & this.#mask) * classes;
      const value = vector.values[at] as number;
      for (let k = 0; k < classes; k++) sums[k] = (sums[k] as number) + (interleaved[base + k] as number) * value;
    }
    return [...sums].map((sum, k) => (this.header.bias[k] as number) + sum * (this.header.scale[k] as number));
  }

  #interleave(): Int8Array {
    const classes = this.#weights.length;
    const table = new Int8Array((this.#mask + 1) * classes);
    this.#weights.forEach((weights, k) => {
      for (let feature = 0; feature <= this.#mask; feature++) table[feature * classes + k] = weights[feature] as number;
    });
    return table;
  }

  /** Binary models: the calibrated probability of the positive class. */
  probability(vector: SparseVector): number {
    const logit = this.logits(vector)[0] as number;
    const { a, b } = this.header.calibration ?? { a: 1, b: 0 };
    return 1 / (1 + Math.exp(-(a * logit + b)));
  }

  /** Category models: a probability per class (softmax). */
  classProbabilities(vector: SparseVector): { label: string; probability: number }[] {
    const logits = this.logits(vector);
    const top = Math.max(...logits);
    const exps = logits.map((logit) => Math.exp(logit - top));
    const total = exps.reduce((sum, value) => sum + value, 0);
    return exps.map((value, index) => ({ label: this.header.classes[index] as string, probability: value / total }));
  }

  /** The file: magic, header length, header JSON, then one int8 table per class. */
  encode(): Uint8Array {
    const header = Buffer.from(JSON.stringify(this.header), 'utf8');
    const size = 8 + 4 + header.length + this.#weights.reduce((sum, table) => sum + table.length, 0);
    const bytes = Buffer.alloc(size);
    bytes.write(magic, 0, 'ascii');
    bytes.writeUInt32LE(header.length, 8);
    header.copy(bytes, 12);
    let offset = 12 + header.length;
    for (const table of this.#weights) {
      bytes.set(new Uint8Array(table.buffer, table.byteOffset, table.length), offset);
      offset += table.length;
    }
    return bytes;
  }

  /** Models are loaded for the features this build computes; one trained on other features would score noise. */
  /** What a detector expects of the file it is given: the task it was trained for, and how many classes. */
  assertShape(expected: { task: string; binary: boolean }): this {
    if (this.header.task !== expected.task) invalid(`it was trained for "${this.header.task}", not "${expected.task}"`);
    if (expected.binary !== (this.header.classes.length === 1)) invalid(expected.binary ? 'a binary model is expected, this one has several classes' : 'a category model is expected, this one is binary');
    if (expected.binary && (this.header.threshold === undefined || this.header.calibration === undefined)) invalid('a binary model needs its calibration and thresholds');
    return this;
  }

  assertFeatureSpace(): this {
    const { space } = this.header;
    if (space.name !== featureSpace.name || space.bits !== featureSpace.bits) {
      invalid(`trained on feature space ${space.name}/${space.bits}, this build computes ${featureSpace.name}/${featureSpace.bits}`);
    }
    return this;
  }

  static decode(data: Uint8Array): LinearModel {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length < 12 || bytes.toString('ascii', 0, 8) !== magic) invalid('not a Palisade model (bad magic)');
    const headerLength = bytes.readUInt32LE(8);
    if (12 + headerLength > bytes.length) invalid('truncated header');
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
    } catch {
      return invalid('unreadable header');
    }
    const parsed = headerSchema.safeParse(json);
    if (!parsed.success) return invalid(`bad header: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'header'}: ${issue.message}`).join('; ')}`);
    const header = parsed.data;
    const tableSize = 1 << header.classBits;
    let offset = 12 + headerLength;
    if (offset + tableSize * header.classes.length !== bytes.length) invalid('weights are truncated or have trailing bytes');
    const weights = header.classes.map(() => {
      const table = new Int8Array(tableSize);
      table.set(new Int8Array(bytes.buffer, bytes.byteOffset + offset, tableSize));
      offset += tableSize;
      return table;
    });
    return new LinearModel(header, weights);
  }
}
