/**
 * How a kill-switch flip reaches every replica, decided once for the gateway and the CLI alike:
 *
 * - Redis configured: replicas listen on Redis pub/sub, so a flip is published there once it is
 *   stored (the notifying store), whatever database holds it;
 * - PostgreSQL alone: the switch store NOTIFYs in the flip's own transaction; replicas LISTEN;
 * - SQLite alone: no notices; replicas re-read the file every second.
 *
 * A notifier that cannot be opened is reported and done without: replicas then pick the flip up
 * at their periodic re-read. The notifiers are closed with the stores that opened them.
 */
import type { LimitStores, Stores } from './main.js';
import { createNotifyingSwitchStore } from './ops/switches/notifying-switch-store.js';
import type { SwitchNotifier } from './ops/switches/switch-notifier.js';
import type { SwitchStore } from './ops/switches/switch-store.js';

export interface SwitchFlips {
  /** Where to flip: every flip made through it reaches the replicas' switch boards. */
  switches: SwitchStore;
  /** What replicas listen on; absent with SQLite alone, or when it could not be opened. */
  notifier?: SwitchNotifier;
}

export interface OpenSwitchFlipsOptions {
  stores: Pick<Stores, 'switches' | 'switchNotifier'>;
  limitStores: Pick<LimitStores, 'switchNotifier'>;
  /** Open the notifier to listen too (a gateway replica); the CLI only flips, so it opens only what it publishes on. */
  listen: boolean;
  onNotifierError: (error: unknown) => void;
  /** A flip was stored but could not be published; replicas pick it up at their periodic re-read. */
  onPublishError: (error: unknown) => void;
}

export async function openSwitchFlips(options: OpenSwitchFlipsOptions): Promise<SwitchFlips> {
  const { stores, limitStores } = options;
  const publishesItself = limitStores.switchNotifier === undefined;
  const open = limitStores.switchNotifier ?? (options.listen ? stores.switchNotifier : undefined);
  if (open === undefined) return { switches: stores.switches };
  const notifier = await open().catch((error: unknown) => {
    options.onNotifierError(error);
    return undefined;
  });
  if (notifier === undefined) return { switches: stores.switches };
  // The PostgreSQL store announces its flips itself; with Redis, flips are published after they are stored.
  const switches = publishesItself ? stores.switches : createNotifyingSwitchStore({ store: stores.switches, notifier, onPublishError: options.onPublishError });
  return { switches, notifier };
}
