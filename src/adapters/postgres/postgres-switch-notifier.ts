/**
 * Kill switch notices over PostgreSQL LISTEN/NOTIFY. The PostgreSQL switch store NOTIFYs each
 * flip's version in the flip's own transaction, so any process that writes through it (a replica's
 * admin API, the CLI) is heard, and only once the flip is committed. This notifier LISTENs on a
 * connection of its own, outside any pool: a pooled connection would be handed to other queries
 * and its LISTEN lost when the pool closes it.
 *
 * Reconnects: when the listening connection fails or is closed by the server, the notifier
 * connects again (100 ms, 200 ms, … up to 2 s apart) and LISTENs again; notices sent meanwhile are
 * lost, so once it listens again it tells its listeners `resubscribed`, on which a `SwitchBoard`
 * re-reads everything. TCP keepalive finds a connection that died silently; the board's periodic
 * re-read covers the time that takes.
 */
import pg from 'pg';
import { PalisadeError } from '../../core/errors.js';
import { checkVersion } from '../../ops/switches/check-switch-arguments.js';
import { parseSwitchNoticeVersion, SwitchNoticeListeners, type SwitchNotifier } from '../../ops/switches/switch-notifier.js';
import { DEFAULT_SWITCH_CHANNEL } from './postgres-switch-store.js';

export interface PostgresSwitchNotifierOptions {
  url: string;
  /** The NOTIFY channel, the same as the store's (default `palisade_switches`). */
  channel?: string;
  /** The listening connection's `application_name` in pg_stat_activity (default `palisade-switches`). */
  applicationName?: string;
  /** How long connecting may take, each time (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** The listening connection failed, or reconnecting failed; it keeps retrying. For logs. */
  onError?: (error: unknown) => void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/** Connects and LISTENs (rejecting if that fails) and returns the notifier. */
export async function createPostgresSwitchNotifier(options: PostgresSwitchNotifierOptions): Promise<SwitchNotifier> {
  const channel = options.channel ?? DEFAULT_SWITCH_CHANNEL;
  const onError = options.onError ?? (() => {});
  const listeners = new SwitchNoticeListeners();
  let client: pg.Client | undefined;
  let closed = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function listen(): Promise<pg.Client> {
    const connection = new pg.Client({
      connectionString: options.url,
      application_name: options.applicationName ?? 'palisade-switches',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    connection.on('notification', (message) => {
      if (message.channel !== channel) return;
      const version = parseSwitchNoticeVersion(message.payload ?? '');
      if (version !== undefined) listeners.emit({ type: 'changed', version });
    });
    connection.on('error', (error) => {
      if (!closed) onError(error);
      lost(connection);
    });
    connection.on('end', () => lost(connection));
    try {
      await connection.connect();
      await connection.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      connection.end().catch(() => {});
      throw error;
    }
    return connection;
  }

  function lost(connection: pg.Client): void {
    if (connection !== client) return;
    client = undefined;
    connection.end().catch(() => {});
    reconnect();
  }

  function reconnect(): void {
    if (closed || retry !== undefined) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures);
    retry = setTimeout(() => {
      retry = undefined;
      listen().then(
        (connection) => {
          if (closed) {
            connection.end().catch(() => {});
            return;
          }
          failures = 0;
          client = connection;
          listeners.emit({ type: 'resubscribed' });
        },
        (error: unknown) => {
          onError(error);
          failures = Math.min(failures + 1, 10);
          reconnect();
        },
      );
    }, delay);
    retry.unref();
  }

  client = await listen();

  return {
    async publish(version) {
      checkVersion('version', version);
      if (closed) throw new PalisadeError('unavailable', 'switch notifier is closed');
      if (client === undefined) throw new PalisadeError('unavailable', 'switch notifier: reconnecting to PostgreSQL');
      await client.query('SELECT pg_notify($1, $2)', [channel, String(version)]);
    },
    subscribe(listener) {
      return listeners.add(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      if (retry !== undefined) clearTimeout(retry);
      const connection = client;
      client = undefined;
      await connection?.end().catch(() => {});
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
