import type { SwitchNotifier } from './switch-notifier.js';
import type { SwitchStore } from './switch-store.js';

export interface NotifyingSwitchStoreOptions {
  store: SwitchStore;
  notifier: SwitchNotifier;
  /**
   * Called when the flip was stored but could not be announced. The flip stands (it is
   * committed; throwing would invite a retry that flips twice); replicas pick it up at their next
   * periodic re-read instead. Default: ignored.
   */
  onPublishError?: (error: unknown, version: number) => void;
}

/**
 * A store whose `set` announces each flip's version on the notifier once it is stored: what the
 * admin API and the CLI flip through when the store does not announce flips itself (memory,
 * SQLite; or PostgreSQL with the Redis notifier). The PostgreSQL store NOTIFYs in its own
 * transaction, so with the PostgreSQL notifier it needs no wrapper.
 */
export function createNotifyingSwitchStore(options: NotifyingSwitchStoreOptions): SwitchStore {
  const { store, notifier, onPublishError } = options;
  return {
    async set(flip) {
      const result = await store.set(flip);
      try {
        await notifier.publish(result.version);
      } catch (error) {
        onPublishError?.(error, result.version);
      }
      return result;
    },
    list: () => store.list(),
    listSince: (version) => store.listSince(version),
    get: (scope, id) => store.get(scope, id),
    history: (historyOptions) => store.history(historyOptions),
  };
}
