import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createNotifyingSwitchStore } from '../../ops/switches/notifying-switch-store.js';
import type { SwitchNotice } from '../../ops/switches/switch-notifier.js';
import { switchPropagationSuite } from '../../ops/switches/switch-propagation-contract.js';
import { testServiceUrl, uniqueTestName } from '../../test-support/test-services.js';
import { openSqlite } from '../sqlite/open-sqlite.js';
import { createSqliteSwitchStore } from '../sqlite/sqlite-switch-store.js';
import { createRedisSwitchNotifier } from './redis-switch-notifier.js';

const url = testServiceUrl('PALISADE_TEST_REDIS_URL');
const directory = mkdtempSync(join(tmpdir(), 'palisade-switch-notices-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Kills the connections of that name from the server's side; resolves to how many it killed. */
async function killClients(redis: Redis, name: string): Promise<number> {
  const list = await redis.client('LIST');
  const ids = String(list)
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await redis.client('KILL', 'ID', id);
  return ids.length;
}

describe.runIf(url !== undefined)('redis switch notifier', () => {
  const connectionUrl = url ?? '';

  // The store is SQLite here (two connections to one file), so that only the Redis notifier
  // carries the notices.
  switchPropagationSuite('redis pub/sub', async () => {
    const path = join(directory, `${uniqueTestName('switches')}.db`);
    const [dbA, dbB] = [openSqlite({ path }), openSqlite({ path })];
    const [redisA, redisB] = [new Redis(connectionUrl), new Redis(connectionUrl)];
    const channel = uniqueTestName('palisade:switches');
    const nameB = uniqueTestName('palisade-switches-b');
    const notifierA = await createRedisSwitchNotifier({ redis: redisA, channel });
    const notifierB = await createRedisSwitchNotifier({ redis: redisB, channel, connectionName: nameB });
    const storeA = createSqliteSwitchStore(dbA);
    return {
      writer: createNotifyingSwitchStore({ store: storeA, notifier: notifierA }),
      a: { store: storeA, notifier: notifierA },
      b: { store: createSqliteSwitchStore(dbB), notifier: notifierB },
      dropSubscriber: async () => {
        expect(await killClients(redisA, nameB)).toBe(1);
      },
      close: async () => {
        await Promise.all([notifierA.close(), notifierB.close()]);
        await Promise.all([redisA.quit(), redisB.quit()]);
        dbA.close();
        dbB.close();
      },
    };
  });

  describe('on a real server', () => {
    it('delivers versions to every subscriber, ignores other messages, and survives a throwing listener', async () => {
      const redis = new Redis(connectionUrl);
      const channel = uniqueTestName('palisade:switches');
      const notifier = await createRedisSwitchNotifier({ redis, channel });
      try {
        const heard: SwitchNotice[] = [];
        notifier.subscribe(() => {
          throw new Error('listener bug');
        });
        const stop = notifier.subscribe((notice) => heard.push(notice));
        await redis.publish(channel, 'not a version');
        await redis.publish(channel, '-3');
        await notifier.publish(7);
        await vi.waitFor(() => expect(heard).toEqual([{ type: 'changed', version: 7 }]));
        stop();
        await notifier.publish(8);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(heard).toHaveLength(1);
        await expect(notifier.publish(-1)).rejects.toMatchObject({ code: 'invalid_argument' });
      } finally {
        await notifier.close();
        await redis.quit();
      }
    });

    it('releases its own subscriber connection on close, and leaves the caller’s open', async () => {
      const redis = new Redis(connectionUrl);
      const name = uniqueTestName('palisade-switches-close');
      const notifier = await createRedisSwitchNotifier({ redis, channel: uniqueTestName('palisade:switches'), connectionName: name });
      try {
        expect(String(await redis.client('LIST'))).toContain(` name=${name} `);
        await notifier.close();
        await vi.waitFor(async () => expect(String(await redis.client('LIST'))).not.toContain(` name=${name} `));
        expect(await redis.ping()).toBe('PONG');
        await expect(notifier.publish(1)).rejects.toMatchObject({ code: 'unavailable' });
      } finally {
        await redis.quit();
      }
    });

    it('refuses to start when Redis cannot be reached in time', async () => {
      const unreachable = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => 50 });
      await expect(createRedisSwitchNotifier({ redis: unreachable, connectTimeoutMs: 300 })).rejects.toMatchObject({ code: 'unavailable' });
      unreachable.disconnect();
    });
  });
});
