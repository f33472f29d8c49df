const placeholderPattern = /<([A-Z0-9_]+)_(\d+)>/g;

/**
 * The per-request memory of `mask`: each distinct value gets a numbered placeholder
 * (`<EMAIL_1>`), the same value the same placeholder, and `unmask` restores them in a later
 * text such as the model's answer. It serialises to a count, so raw values never reach a log.
 */
export class MaskVault {
  readonly #placeholders = new Map<string, string>();
  readonly #values = new Map<string, string>();
  readonly #counters = new Map<string, number>();

  get size(): number {
    return this.#values.size;
  }

  placeholder(label: string, value: string): string {
    const key = `${label}\u0000${value}`;
    const existing = this.#placeholders.get(key);
    if (existing !== undefined) return existing;
    const count = (this.#counters.get(label) ?? 0) + 1;
    this.#counters.set(label, count);
    const placeholder = `<${label}_${count}>`;
    this.#placeholders.set(key, placeholder);
    this.#values.set(placeholder, value);
    return placeholder;
  }

  /**
   * A new, empty vault whose placeholders continue this one's numbering, so none of them equals
   * one of this vault's. The output stage masks with a successor of the input stage's vault: the
   * input vault then restores its own placeholders in the answer and leaves the answer's new
   * ones masked, instead of turning `<EMAIL_1>` of a new address into the user's.
   */
  successor(): MaskVault {
    const next = new MaskVault();
    for (const [label, count] of this.#counters) next.#counters.set(label, count);
    return next;
  }

  /** Restores every placeholder this vault issued; unknown placeholders are left as they are. */
  unmask(text: string): string {
    if (this.#values.size === 0 || !text.includes('<')) return text;
    return text.replace(placeholderPattern, (placeholder) => this.#values.get(placeholder) ?? placeholder);
  }

  toJSON(): { placeholders: number } {
    return { placeholders: this.size };
  }
}
