/**
 * How a flip made on one replica reaches the others: a message that says only "the set is now at
 * version v". It carries no switch: a replica that hears it re-reads the store (a `SwitchBoard`
 * reads the changes since the version it has), so a message can be lost, duplicated or
 * reordered without a replica ever holding a state the store never had.
 *
 * Implementations: in-process (`in-process-switch-notifier.ts`, one process and tests), Redis
 * pub/sub and PostgreSQL LISTEN/NOTIFY (`src/adapters/redis/redis-switch-notifier.ts`,
 * `src/adapters/postgres/postgres-switch-notifier.ts`). Delivery is best effort: a subscriber that
 * was disconnected may miss messages, so each says `resubscribed` after it reconnects, and the
 * board also re-reads everything periodically.
 */

export type SwitchNotice =
  /** A flip made the set's version `version` (or later). */
  | { type: 'changed'; version: number }
  /** The subscription was re-established after a disconnect: messages may have been missed, re-read all. */
  | { type: 'resubscribed' };

export type SwitchNoticeListener = (notice: SwitchNotice) => void;

export interface SwitchNotifier {
  /**
   * Tells every subscriber, in every process on the same channel, that the set reached `version`.
   * Resolves once handed to the transport (not once delivered); throws if it cannot be.
   */
  publish(version: number): Promise<void>;
  /**
   * Calls `listener` with every notice from now on, until the returned function is called. A
   * listener must not throw (what it throws is dropped) and should return quickly.
   */
  subscribe(listener: SwitchNoticeListener): () => void;
  /** Stops listening and releases the connections the notifier opened (not the ones passed in). */
  close(): Promise<void>;
}

/** The version a message carries: its decimal text; `undefined` for anything else. */
export function parseSwitchNoticeVersion(text: string): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * The listeners of a notifier, with the calls every implementation makes the same way: a listener
 * that throws cannot stop the others or break the connection that delivered the message.
 */
export class SwitchNoticeListeners {
  readonly #listeners = new Set<SwitchNoticeListener>();

  add(listener: SwitchNoticeListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: SwitchNoticeListener = (notice) => listener(notice);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(notice: SwitchNotice): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(notice);
      } catch {
        // Dropped: see SwitchNotifier.subscribe.
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
