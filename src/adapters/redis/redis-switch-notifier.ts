/**
 * Kill switch notices over Redis pub/sub. A flip's version is PUBLISHed on the caller's
 * connection; notices are received on a connection of the notifier's own (a subscribed Redis
 * connection can do nothing else), duplicated from the caller's.
 *
 * Reconnects: ioredis reconnects the subscriber by itself (50 ms, 100 ms, … up to 2 s apart).
 * Pub/sub keeps nothing for an absent subscriber, so whatever was published meanwhile is lost:
 * after each reconnect the notifier subscribes again and, once Redis confirms, tells its listeners
 * `resubscribed`, on which a `SwitchBoard` re-reads everything.
 */
import type { Redis } from 'ioredis';
import { PalisadeError } from '../../core/errors.js';
import { checkVersion } from '../../ops/switches/check-switch-arguments.js';
import { parseSwitchNoticeVersion, SwitchNoticeListeners, type SwitchNotifier } from '../../ops/switches/switch-notifier.js';

export interface RedisSwitchNotifierOptions {
  /** Flips are published on this connection, which stays the caller's (`close()` does not quit it). */
  redis: Redis;
  /** The pub/sub channel (default `palisade:switches`); every replica of one deployment uses the same. */
  channel?: string;
  /** The subscriber connection's name in CLIENT LIST (default `palisade-switches`). */
  connectionName?: string;
  /** How long the first subscription may take before the notifier gives up (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** The subscriber connection failed or could not subscribe again; it keeps retrying. For logs. */
  onError?: (error: unknown) => void;
}

export const DEFAULT_REDIS_SWITCH_CHANNEL = 'palisade:switches';

/** Subscribes (rejecting if Redis cannot be reached in time) and returns the notifier. */
export async function createRedisSwitchNotifier(options: RedisSwitchNotifierOptions): Promise<SwitchNotifier> {
  const channel = options.channel ?? DEFAULT_REDIS_SWITCH_CHANNEL;
  const onError = options.onError ?? (() => {});
  const listeners = new SwitchNoticeListeners();
  const subscriber = options.redis.duplicate({
    lazyConnect: true,
    // Subscribing again is ours to do, so that listeners hear `resubscribed` only once it is done.
    autoResubscribe: false,
    // Commands are sent only when the connection is ready; none may wait in a queue.
    enableOfflineQueue: false,
    connectionName: options.connectionName ?? 'palisade-switches',
  });
  let closed = false;
  let connectedOnce = false;

  subscriber.on('error', (error: unknown) => {
    if (!closed) onError(error);
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const version = parseSwitchNoticeVersion(message);
    if (version !== undefined) listeners.emit({ type: 'changed', version });
  });
  subscriber.on('ready', () => {
    if (!connectedOnce || closed) return;
    subscriber.subscribe(channel).then(
      () => {
        if (!closed) listeners.emit({ type: 'resubscribed' });
      },
      (error: unknown) => {
        onError(error);
        // Without its subscription the connection is of no use: drop it, ioredis reconnects.
        if (!closed) subscriber.disconnect(true);
      },
    );
  });

  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      (async () => {
        await subscriber.connect();
        await subscriber.subscribe(channel);
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PalisadeError('unavailable', `switch notifier: could not subscribe to Redis within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    closed = true;
    subscriber.disconnect();
    throw error instanceof PalisadeError ? error : new PalisadeError('unavailable', 'switch notifier: could not subscribe to Redis', { cause: error });
  } finally {
    clearTimeout(timer);
  }
  connectedOnce = true;

  return {
    async publish(version) {
      checkVersion('version', version);
      if (closed) throw new PalisadeError('unavailable', 'switch notifier is closed');
      await options.redis.publish(channel, String(version));
    },
    subscribe(listener) {
      return listeners.add(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      subscriber.disconnect();
    },
  };
}
